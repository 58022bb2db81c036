// The tokenizer pipeline of a sentence-transformers model:
//   WordPiece (BERT):  input (strip, lower) -> special-token cut -> normalizer -> pre-tokenizer
//                      -> WordPiece -> post-processor ([CLS] ... [SEP], truncation) -> padding
//   SentencePiece (XLM-RoBERTa): input (strip, lower) -> special-token cut -> SentencePiece
//                      (its own normalization) -> post-processor (<s> ... </s>) -> padding
// Everything is configured from the model folder's files (see js/src/model-folder.js).
#ifndef GMATRIX_TOKENIZER_TOKENIZER_H_
#define GMATRIX_TOKENIZER_TOKENIZER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/subword_model.h"

namespace gmatrix {

enum class TokenizerModel { kWordPiece, kSentencePiece };

struct TokenizerConfig {
  // What Create's model data is: vocab.txt text, or the bytes of a SentencePiece .model file.
  TokenizerModel model = TokenizerModel::kWordPiece;
  bool fairseq_ids = false;       // SentencePiece with XLM-RoBERTa's ids (sentencepiece_model.h)
  bool lowercase_input = false;   // sentence_bert_config.json do_lower_case
  bool lowercase = false;         // tokenizer_config.json do_lower_case
  int strip_accents = -1;         // tokenizer_config.json strip_accents: -1 unset, 0 false, 1 true
  bool clean_text = true;
  bool handle_chinese_chars = true;  // tokenizer_config.json tokenize_chinese_chars
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string unk_token = "[UNK]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
  size_t max_length = 128;  // counts [CLS] and [SEP]
  // The text is read in pieces of about this many bytes, each ending at ASCII whitespace, and
  // reading stops once the pieces found fill max_length: a 50 MB text costs what its first
  // words cost. (Tests set 1, a cut at every space, or SIZE_MAX, the whole text at once.)
  size_t read_chunk_bytes = 4096;
};

class Tokenizer {
 public:
  // model_data: vocab.txt text (WordPiece) or .model bytes (SentencePiece), see config.model.
  static Status Create(const TokenizerConfig& config, std::string_view model_data,
                       std::unique_ptr<Tokenizer>* out);

  Encoding Encode(std::string_view text) const;
  // The token strings of Encode(text).ids, one per id (the same pipeline: strip, special-token
  // cut, pieces, [CLS]/[SEP], truncation). Each is IdToToken(id), except that SentencePiece's
  // unknown piece keeps its text, as the reference tokenizer's tokenize() gives it.
  std::vector<std::string> Tokens(std::string_view text) const;
  // The id for which Tokens differs from IdsToTokens (SentencePiece's unknown), if any: ids
  // without it give the same tokens either way.
  std::optional<int32_t> SurfaceFormId() const { return model_->SurfaceFormId(); }
  BatchEncoding EncodeBatch(const std::vector<std::string>& texts) const;
  std::vector<std::string> IdsToTokens(const std::vector<int32_t>& ids) const;
  const std::string& IdToToken(int32_t id) const { return model_->IdToToken(id); }
  size_t VocabSize() const { return model_->VocabSize(); }
  size_t max_length() const { return config_.max_length; }
  int32_t pad_id() const { return pad_id_; }

 private:
  Tokenizer(TokenizerConfig config, std::unique_ptr<SubwordModel> model, int32_t pad_id,
            BertPostProcessor post_processor);
  // Encode; with `tokens`, also the token string of each id (see Tokens).
  Encoding Encode(std::string_view text, std::vector<std::string>* tokens) const;
  // The word pieces of one text segment that holds no special token (and their token strings
  // when `tokens` is not null).
  void TokenizeSegment(std::u32string_view segment, std::vector<int32_t>* ids,
                       std::vector<std::string>* tokens) const;
  // Appends the pieces of a part of the text that ends at whitespace (or the text's end).
  void EncodeChunk(std::string_view chunk, std::vector<int32_t>* pieces,
                   std::vector<std::string>* tokens) const;

  TokenizerConfig config_;
  std::unique_ptr<SubwordModel> model_;
  int32_t pad_id_;
  BertPostProcessor post_processor_;
  BertPreTokenizer pre_tokenizer_;
  // Special tokens as (code points, id), longest first: the text is cut at each exact
  // occurrence, as the reference's PreTrainedTokenizer.tokenize does with its trie.
  std::vector<std::pair<std::u32string, int32_t>> special_tokens_;
  std::vector<char32_t> special_first_chars_;
  // False when a special token holds ASCII whitespace: then a cut at whitespace could split it.
  bool can_read_in_chunks_ = true;
};

}  // namespace gmatrix

#endif  // GMATRIX_TOKENIZER_TOKENIZER_H_
