#include "tokenizer/sentencepiece_model.h"

#include "common.h"  // sentencepiece's logging switch
#include "sentencepiece.pb.h"
#include "sentencepiece_model.pb.h"
#include "sentencepiece_processor.h"
#include "utf8.h"

namespace gmatrix {
namespace {

// fairseq's dictionary puts four symbols before SentencePiece's pieces (see the header).
constexpr int32_t kFairseqOffset = 1;
constexpr int32_t kFairseqUnk = 3;
const std::string kFairseqTokens[] = {"<s>", "<pad>", "</s>", "<unk>"};
const std::string kFairseqMask = "<mask>";

// Whether encoding a text in parts cut after ASCII whitespace gives the whole text's pieces:
// true when whitespace is a boundary no piece crosses. SentencePiece must turn every ASCII
// whitespace into its meta symbol U+2581, drop it where extra (leading, trailing, repeated) and
// put one before each part (the dummy prefix), and no piece may hold U+2581 after its start.
// (Unigram's Viterbi adds float scores, so a path through a later part carries the earlier
// parts' sum; two segmentations of a word within rounding of each other could then rank
// differently. Only texts longer than the first read, 4096 bytes, are read in parts.)
bool SplitsAtAsciiWhitespace(const sentencepiece::SentencePieceProcessor& processor) {
  const sentencepiece::ModelProto& proto = processor.model_proto();
  const sentencepiece::NormalizerSpec& normalizer = proto.normalizer_spec();
  if (!normalizer.add_dummy_prefix() || !normalizer.remove_extra_whitespaces() ||
      !normalizer.escape_whitespaces() || proto.trainer_spec().treat_whitespace_as_suffix()) {
    return false;
  }
  for (const char* whitespace : {" ", "\t", "\n", "\r"}) {
    std::vector<int> ids;
    if (!processor.Encode(whitespace, &ids).ok() || !ids.empty()) return false;
    std::vector<std::string> pieces;
    if (!processor.Encode(std::string("a") + whitespace + "b", &pieces).ok()) return false;
    std::vector<std::string> a, b;
    if (!processor.Encode("a", &a).ok() || !processor.Encode("b", &b).ok()) return false;
    a.insert(a.end(), b.begin(), b.end());
    if (pieces != a) return false;
  }
  const std::string meta = "\xe2\x96\x81";  // U+2581
  for (const auto& piece : proto.pieces()) {
    if (piece.piece().find(meta, 1) != std::string::npos) return false;
  }
  return true;
}

uint32_t ReadLittleEndian32(const std::string& bytes, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3])) << 24;
}

// Whether a precompiled normalization table is safe for SentencePiece's normalizer, which trusts
// it: the table is [uint32 trie size][darts-clone double array][replacement strings], and the
// normalizer walks the array without bounds checks and reads each replacement as a C string.
// Every node's children (its offset XOR any byte) must lie inside the array and every value must
// point inside the strings; a table written by SentencePiece's builder always satisfies this.
bool PrecompiledCharsMapIsSafe(const std::string& blob) {
  if (blob.empty()) return true;  // identity normalization
  if (blob.size() < 4) return false;
  const uint32_t trie_bytes = ReadLittleEndian32(blob, 0);
  // Upstream only checks trie_bytes < blob.size(), 4 bytes short of the array's real room.
  if (trie_bytes > blob.size() - 4 || trie_bytes % 4 != 0 || trie_bytes < 256 * 4) return false;
  const size_t units = trie_bytes / 4;
  const size_t strings = blob.size() - 4 - trie_bytes;
  auto unit_at = [&](size_t i) { return ReadLittleEndian32(blob, 4 + 4 * i); };
  for (size_t i = 0; i < units; ++i) {
    const uint32_t unit = unit_at(i);
    // A value unit (top bit) never matches a label, so the walk never continues from it.
    if (unit >> 31) {
      if (i == 0) return false;  // the root is always walked from
      continue;
    }
    const uint32_t offset = (unit >> 10) << ((unit & (1u << 9)) >> 6);
    const size_t children = i ^ offset;
    if ((children | 0xFF) >= units) return false;
    if ((unit >> 8) & 1) {  // has a leaf: its value is the unit at `children`
      if ((unit_at(children) & 0x7FFFFFFFu) >= strings) return false;
    }
  }
  return true;
}

}  // namespace

Status SentencePieceModel::Create(std::string_view model_proto, SentencePieceOptions options,
                                  std::unique_ptr<SentencePieceModel>* out) {
  // SentencePiece logs informational lines (e.g. "use identity normalization") to stderr, which
  // would reach every Node process and browser console; its errors come back as a Status.
  sentencepiece::logging::SetMinLogLevel(2);  // ERROR and above
  // Parsed here rather than by LoadFromSerializedProto, to refuse first what the library does
  // not check: its trie builder (darts-clone) throws on a key holding a NUL byte (a throw aborts
  // the WebAssembly module, built without exception support), and its normalizer reads out of
  // bounds with a broken normalization table.
  auto proto = std::make_unique<sentencepiece::ModelProto>();
  if (!proto->ParseFromArray(model_proto.data(), static_cast<int>(model_proto.size()))) {
    return FailedPrecondition("The SentencePiece model is not usable (its bytes are not a "
                              "ModelProto); replace it with the .model file from the model repository.");
  }
  for (int i = 0; i < proto->pieces_size(); ++i) {
    const std::string& piece = proto->pieces(i).piece();
    if (piece.empty() || piece.find('\0') != std::string::npos) {
      return FailedPrecondition("The SentencePiece model is not usable (piece " + std::to_string(i) +
                                " is empty or holds a NUL byte); replace it with the .model file "
                                "from the model repository.");
    }
  }
  if (!PrecompiledCharsMapIsSafe(proto->normalizer_spec().precompiled_charsmap()) ||
      !PrecompiledCharsMapIsSafe(proto->denormalizer_spec().precompiled_charsmap())) {
    return FailedPrecondition("The SentencePiece model is not usable (its normalization table is "
                              "broken); replace it with the .model file from the model repository.");
  }
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const sentencepiece::util::Status status = processor->Load(std::move(proto));
  if (!status.ok()) {
    return FailedPrecondition("The SentencePiece model is not usable (" + status.ToString() +
                              "); replace it with the .model file from the model repository.");
  }
  if (processor->GetPieceSize() < 3 && options.fairseq_ids) {
    return FailedPrecondition("The SentencePiece model has fewer than 3 pieces, which XLM-RoBERTa's "
                              "ids need; replace it with the .model file from the model repository.");
  }
  out->reset(new SentencePieceModel(std::move(processor), options));
  return Status::Ok();
}

SentencePieceModel::SentencePieceModel(
    std::unique_ptr<sentencepiece::SentencePieceProcessor> processor, SentencePieceOptions options)
    : processor_(std::move(processor)),
      options_(options),
      spm_unk_id_(processor_->unk_id()),
      piece_count_(static_cast<size_t>(processor_->GetPieceSize())),
      can_read_in_chunks_(SplitsAtAsciiWhitespace(*processor_)) {}

SentencePieceModel::~SentencePieceModel() = default;

int32_t SentencePieceModel::MapId(int spm_id) const {
  if (!options_.fairseq_ids) return spm_id;
  return spm_id == spm_unk_id_ ? kFairseqUnk : spm_id + kFairseqOffset;
}

void SentencePieceModel::Tokenize(const std::u32string& segment, std::vector<int32_t>* ids) const {
  std::vector<int> spm_ids;
  // Encode fails only when no model is loaded, which Create rules out.
  if (!processor_->Encode(EncodeUtf8(segment), &spm_ids).ok()) return;
  for (int id : spm_ids) ids->push_back(MapId(id));
}

void SentencePieceModel::TokenizeWithTokens(const std::u32string& segment,
                                            std::vector<int32_t>* ids,
                                            std::vector<std::string>* tokens) const {
  std::vector<std::string> pieces;
  std::vector<int32_t> spm_ids;
  Encode(EncodeUtf8(segment), &pieces, &spm_ids);
  for (size_t i = 0; i < spm_ids.size(); ++i) {
    ids->push_back(MapId(spm_ids[i]));
    tokens->push_back(std::move(pieces[i]));
  }
}

void SentencePieceModel::Encode(std::string_view text, std::vector<std::string>* pieces,
                                std::vector<int32_t>* ids) const {
  sentencepiece::SentencePieceText spt;
  pieces->clear();
  ids->clear();
  if (!processor_->Encode(absl::string_view(text.data(), text.size()), &spt).ok()) return;
  for (const auto& piece : spt.pieces()) {
    pieces->push_back(piece.piece());
    ids->push_back(static_cast<int32_t>(piece.id()));
  }
}

std::optional<int32_t> SentencePieceModel::TokenToId(const std::string& token) const {
  if (options_.fairseq_ids) {
    for (int32_t id = 0; id < 4; ++id) {
      if (token == kFairseqTokens[id]) return id;
    }
    if (token == kFairseqMask) return static_cast<int32_t>(piece_count_ + kFairseqOffset);
  }
  const int spm_id = processor_->PieceToId(absl::string_view(token.data(), token.size()));
  // PieceToId answers the unknown id for any piece it lacks.
  if (spm_id == spm_unk_id_ && processor_->IdToPiece(spm_id) != token) return std::nullopt;
  return MapId(spm_id);
}

const std::string& SentencePieceModel::IdToToken(int32_t id) const {
  static const std::string kNone;
  if (options_.fairseq_ids) {
    if (id >= 0 && id < 4) return kFairseqTokens[id];
    if (static_cast<size_t>(id) == piece_count_ + kFairseqOffset) return kFairseqMask;
    id -= kFairseqOffset;
    if (id < 3) return kNone;  // SentencePiece's own <unk>, <s>, </s> have fairseq ids above
  }
  if (id < 0 || static_cast<size_t>(id) >= piece_count_) return kNone;
  return processor_->IdToPiece(id);
}

size_t SentencePieceModel::VocabSize() const {
  // fairseq: four symbols, pieces 3.., then <mask>.
  return options_.fairseq_ids ? piece_count_ + kFairseqOffset + 1 : piece_count_;
}

}  // namespace gmatrix
