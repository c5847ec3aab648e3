// The reference for src/capture/parse/demangle.ts (test/capture/parse/demangle.test.ts):
// reads one mangled name per line and prints what libstdc++'s abi::__cxa_demangle makes
// of it (the demangler eu-stack uses; gdb's libiberty prints the same names), or the
// name itself when it cannot.
#include <cxxabi.h>
#include <cstdlib>
#include <iostream>
#include <string>

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    int status = 0;
    char *out = abi::__cxa_demangle(line.c_str(), nullptr, nullptr, &status);
    std::cout << (status == 0 && out != nullptr ? out : line) << '\n';
    std::free(out);
  }
  return 0;
}
