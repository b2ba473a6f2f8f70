// Errors as values: a minimal std::expected stand-in (C++20 has none) used across mxlab.
// Holds either a T or an E; `ok()` tells which. No exceptions are thrown for expected failures.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace mxlab {

template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) { return {std::forward<E>(e)}; }

template <class T, class E = std::string>
class Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class U>
  Expected(Unexpected<U> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Status: success or an error message, for operations that return nothing.
struct Status {
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
  explicit operator bool() const { return ok(); }
  static Status success() { return {}; }
  static Status failure(std::string why) { return {why.empty() ? std::string("unknown error") : std::move(why)}; }
};

}  // namespace mxlab
