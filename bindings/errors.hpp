// C++ exception types thrown only at the Python boundary: each bind_<area>.cpp turns a failed
// Status/Expected into one of these, and module.cpp registers each as a named Python exception.
#pragma once
#include <stdexcept>
#include <string>

namespace mxlab::py_bind {

struct ConfigFailure : std::runtime_error {
  ConfigFailure(std::string message, std::string file, int line, std::string key)
      : std::runtime_error(std::move(message)), file(std::move(file)), line(line), key(std::move(key)) {}
  std::string file;
  int line = 0;
  std::string key;
};
struct StartFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct SmtpFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct WaitTimeoutFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mxlab::py_bind
