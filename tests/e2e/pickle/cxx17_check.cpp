// The generated header, its pickling functions instantiated, compiled as C++17 with the project warnings.
#include "pickle_types.h"

#if __cplusplus != 201703L
#error "this file must be compiled as C++17"
#endif

std::vector<std::uint8_t> pickleCxx17RoundTrip() {
  const Record record = Record_Decode(Record_Encode(Record{}));
  const Measure measure = Measure_Decode(Point_Encode(Point{record.id, record.count}));
  return Point_Encode(Point{measure.discriminant, 0});
}
