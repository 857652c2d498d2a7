// Near misses for "did you mean ...?": the edit distance between two names, and the closest of a set.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace midlc {

// The optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions, deletions,
// substitutions and swaps of two adjacent characters each cost 1. Letters differing only in case cost 1.
size_t editDistance(std::string_view a, std::string_view b);

// The largest distance at which `name` still reads as a misspelling rather than another name:
// max(1, length / 3), so `cnt` suggests `count` only if nothing nearer exists and `a` never suggests `b`.
size_t suggestionThreshold(std::string_view name);

// The candidate nearest to `name` within `maxDistance` (suggestionThreshold(name) if not given) and fewer
// edits than `name` has characters (`n` does not suggest `p`), or
// nothing. A candidate that differs from `name` only in case wins whatever its distance; ties go to the
// earlier candidate; `name` itself is never suggested. Without an explicit `maxDistance`, an abbreviation
// (`cnt` of `count`: same first letter, the name's letters in order) is suggested when nothing is near.
std::optional<std::string> bestMatch(std::string_view name, const std::vector<std::string>& candidates,
                                     std::optional<size_t> maxDistance = std::nullopt);

// "; did you mean 'X'?" when a candidate is near enough, else empty: appended to an error message.
std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates,
                       std::optional<size_t> maxDistance = std::nullopt);

}  // namespace midlc
