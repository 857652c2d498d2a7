// The generated header alone: its types and constants, no stubs.
#include "kv.h"

int main() { return KV_LIMIT == 3 ? 0 : 1; }
