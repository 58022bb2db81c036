#include "unicode/unicode.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace gmatrix::unicode {
namespace {

struct CategoryRange {
  char32_t first, last;
  uint8_t category;
};
struct FlagRange {
  char32_t first, last;
  uint8_t unused;
};
struct CombiningClassRange {
  char32_t first, last;
  uint8_t combining_class;
};
struct CaseMapping {
  char32_t code_point;
  uint8_t length;
  char32_t targets[3];
};
struct Decomposition {
  char32_t code_point;
  uint8_t length;
  char32_t targets[4];
};

#include "unicode/unicode_tables.inc"

const char* const kCategoryNames[] = {"Cn", "Cc", "Cf", "Co", "Cs", "Ll", "Lm", "Lo", "Lt", "Lu",
                                      "Mc", "Me", "Mn", "Nd", "Nl", "No", "Pc", "Pd", "Pe", "Pf",
                                      "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So", "Zl", "Zp", "Zs"};

// Finds the range holding cp in a table sorted by first code point.
template <typename Range, size_t N>
const Range* FindRange(const Range (&table)[N], char32_t cp) {
  const Range* it = std::upper_bound(std::begin(table), std::end(table), cp,
                                     [](char32_t value, const Range& r) { return value < r.first; });
  if (it == std::begin(table)) return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}

template <typename Entry, size_t N>
const Entry* FindEntry(const Entry (&table)[N], char32_t cp) {
  const Entry* it = std::lower_bound(std::begin(table), std::end(table), cp,
                                     [](const Entry& e, char32_t value) { return e.code_point < value; });
  return it != std::end(table) && it->code_point == cp ? it : nullptr;
}

// The Basic Multilingual Plane (Hangul, CJK, Latin, ...: nearly all text) answers every query
// from one table indexed by code point instead of a binary search per character; the tables
// above stay the source of truth and fill it on first use. 128 KB.
struct BmpEntry {
  uint8_t category;
  uint8_t flags;
};
enum BmpFlag : uint8_t { kSpace = 1, kCased = 2, kCaseIgnorable = 4, kHasLower = 8 };
constexpr char32_t kBmpSize = 0x10000;

const BmpEntry* BmpTable() {
  static const BmpEntry* table = [] {
    static BmpEntry entries[kBmpSize];
    for (const CategoryRange& r : kCategoryRanges) {
      for (char32_t cp = r.first; cp <= r.last && cp < kBmpSize; ++cp) entries[cp].category = r.category;
    }
    auto mark = [](const auto& ranges, uint8_t flag) {
      for (const auto& r : ranges) {
        for (char32_t cp = r.first; cp <= r.last && cp < kBmpSize; ++cp) entries[cp].flags |= flag;
      }
    };
    mark(kPythonSpaceRanges, kSpace);
    mark(kCasedRanges, kCased);
    mark(kCaseIgnorableRanges, kCaseIgnorable);
    for (const CaseMapping& m : kLowerMappings) {
      if (m.code_point < kBmpSize) entries[m.code_point].flags |= kHasLower;
    }
    return entries;
  }();
  return table;
}

bool BmpFlagSet(char32_t cp, uint8_t flag) { return (BmpTable()[cp].flags & flag) != 0; }

uint8_t CategoryIndex(char32_t cp) {
  if (cp < kBmpSize) return BmpTable()[cp].category;
  const CategoryRange* r = FindRange(kCategoryRanges, cp);
  return r ? r->category : static_cast<uint8_t>(kCn);
}

constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kFinalSigma = 0x3C2;

// Mirrors CPython's rule: sigma is final when preceded by a cased letter (skipping
// case-ignorable ones) and not followed by one (skipping case-ignorable ones).
bool IsFinalSigma(std::u32string_view text, size_t i) {
  size_t j = i;
  char32_t c = 0;
  bool found = false;
  while (j > 0) {
    c = text[--j];
    if (!IsCaseIgnorable(c)) {
      found = true;
      break;
    }
  }
  if (!found || !IsCased(c)) return false;
  for (size_t k = i + 1; k < text.size(); ++k) {
    if (!IsCaseIgnorable(text[k])) return !IsCased(text[k]);
  }
  return true;
}

// Hangul syllables decompose arithmetically (Unicode chapter 3.12) rather than by table.
constexpr char32_t kHangulBase = 0xAC00, kLeadBase = 0x1100, kVowelBase = 0x1161,
                   kTrailBase = 0x11A7;
constexpr int kVowelCount = 21, kTrailCount = 28, kSyllableCount = 11172;

void AppendDecomposition(char32_t cp, std::u32string* out) {
  if (cp >= kHangulBase && cp < kHangulBase + kSyllableCount) {
    const int index = static_cast<int>(cp - kHangulBase);
    out->push_back(kLeadBase + index / (kVowelCount * kTrailCount));
    out->push_back(kVowelBase + (index % (kVowelCount * kTrailCount)) / kTrailCount);
    if (index % kTrailCount != 0) out->push_back(kTrailBase + index % kTrailCount);
    return;
  }
  if (const Decomposition* d = FindEntry(kDecompositions, cp)) {
    out->append(d->targets, d->length);
  } else {
    out->push_back(cp);
  }
}

}  // namespace

const char* Category(char32_t cp) { return kCategoryNames[CategoryIndex(cp)]; }

char MajorCategory(char32_t cp) { return Category(cp)[0]; }

bool IsPythonSpace(char32_t cp) {
  return cp < kBmpSize ? BmpFlagSet(cp, kSpace) : FindRange(kPythonSpaceRanges, cp) != nullptr;
}
bool IsCased(char32_t cp) {
  return cp < kBmpSize ? BmpFlagSet(cp, kCased) : FindRange(kCasedRanges, cp) != nullptr;
}
bool IsCaseIgnorable(char32_t cp) {
  return cp < kBmpSize ? BmpFlagSet(cp, kCaseIgnorable) : FindRange(kCaseIgnorableRanges, cp) != nullptr;
}

int CombiningClass(char32_t cp) {
  const CombiningClassRange* r = FindRange(kCombiningClassRanges, cp);
  return r ? r->combining_class : 0;
}

bool IsNonspacingMark(char32_t cp) { return CategoryIndex(cp) == kMn; }

std::u32string PythonLower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (cp < 0x80) {  // ASCII fast path: the common case for digits, Latin and punctuation.
      out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    } else if (cp == kCapitalSigma) {
      out.push_back(IsFinalSigma(text, i) ? kFinalSigma : kSmallSigma);
    } else if (cp < kBmpSize && !BmpFlagSet(cp, kHasLower)) {
      out.push_back(cp);
    } else if (const CaseMapping* m = FindEntry(kLowerMappings, cp)) {
      out.append(m->targets, m->length);
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

std::u32string CanonicalDecompose(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) AppendDecomposition(cp, &out);
  // Canonical ordering: stable-sort each run of combining marks by combining class.
  size_t i = 0;
  while (i < out.size()) {
    if (CombiningClass(out[i]) == 0) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < out.size() && CombiningClass(out[end]) != 0) ++end;
    std::stable_sort(out.begin() + i, out.begin() + end, [](char32_t a, char32_t b) {
      return CombiningClass(a) < CombiningClass(b);
    });
    i = end;
  }
  return out;
}

const char* Version() { return GMATRIX_UNICODE_VERSION; }

}  // namespace gmatrix::unicode
