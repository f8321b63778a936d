// The header must compile as C++ (extern "C" guards, no C-only constructs).
#include "cbstatus.h"

int main() {
  const char *v = cb_version();
  return (v != nullptr && cb_version_number() == CB_VERSION_NUMBER) ? 0 : 1;
}
