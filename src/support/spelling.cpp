// Edit distance and the nearest candidate, for "did you mean ...?" in diagnostics.
#include "support/spelling.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace midlc {

size_t editDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: the swap of two adjacent characters looks two rows back.
  std::vector<size_t> twoBack(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], twoBack[j - 2] + 1);
    }
    std::swap(twoBack, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

namespace {

// Whether the characters of `shorter` appear in `longer` in order.
bool abbreviates(std::string_view shorter, std::string_view longer) {
  size_t at = 0;
  for (char c : longer)
    if (at < shorter.size() && c == shorter[at]) ++at;
  return at == shorter.size();
}

}  // namespace

size_t suggestionThreshold(std::string_view name) {
  return std::max<size_t>(1, name.size() / 3);
}

std::optional<std::string> bestMatch(std::string_view name, const std::vector<std::string>& candidates,
                                     std::optional<size_t> maxDistance) {
  // A name that differs only in case (HResult for HRESULT) is the likeliest slip of all.
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const auto& candidate : candidates)
    if (candidate != name && lower(candidate) == lower(name)) return candidate;
  size_t limit = maxDistance.value_or(suggestionThreshold(name));
  const std::string* best = nullptr;
  size_t bestDistance = limit + 1;
  for (const auto& candidate : candidates) {
    if (candidate == name || candidate.empty()) continue;
    // Lengths alone bound the distance from below; skip what cannot win.
    size_t lengthGap =
        candidate.size() > name.size() ? candidate.size() - name.size() : name.size() - candidate.size();
    if (lengthGap >= bestDistance) continue;
    size_t d = editDistance(name, candidate);
    // A name must keep something of itself: `n` is not a misspelling of `p`.
    if (d < bestDistance && d < name.size()) {
      bestDistance = d;
      best = &candidate;
    }
  }
  // Without an explicit limit, an abbreviation (cnt for count, buf for buffer) is a near miss too: the
  // nearest candidate that starts with the same letter, holds the name's letters in order, and is at most
  // three times as long.
  if (!best && !maxDistance && name.size() >= 2) {
    bestDistance = SIZE_MAX;
    for (const auto& candidate : candidates)
      if (candidate.size() > name.size() && candidate.size() <= 3 * name.size() && candidate[0] == name[0] &&
          abbreviates(name, candidate)) {
        size_t d = editDistance(name, candidate);
        if (d < bestDistance) {
          bestDistance = d;
          best = &candidate;
        }
      }
  }
  if (!best) return std::nullopt;
  return *best;
}

std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates,
                       std::optional<size_t> maxDistance) {
  auto match = bestMatch(name, candidates, maxDistance);
  return match ? "; did you mean '" + *match + "'?" : std::string();
}

}  // namespace midlc
