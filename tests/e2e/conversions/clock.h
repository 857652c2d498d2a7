// The application's own types, which the IDL never defines: the ACF names them (represent_as, user_marshal)
// and includes this header, so the generated header includes it too.
#pragma once

#include <cstdint>

struct Clock {
  int hours = 0;
  int minutes = 0;
  bool operator==(const Clock&) const = default;
};

struct Point {
  double x = 0;
  double y = 0;
  bool operator==(const Point&) const = default;
};
