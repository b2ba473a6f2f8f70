// Python view of the step-by-step SMTP client (bindings/session_driver.hpp): mxlab.SmtpSession.
// Every blocking step runs with the GIL released; failures raise SmtpConnectError, SmtpTimeout,
// SmtpDisconnected, SmtpTlsError (all SmtpError), and `expect=` mismatches raise UnexpectedReply.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "bindings/bind.hpp"
#include "bindings/session_driver.hpp"

namespace py = pybind11;

namespace mxlab::py_bind {

namespace {

struct DriverFailure : std::runtime_error {
  DriverFailure(DriverError::Kind k, const std::string& m) : std::runtime_error(m), kind(k) {}
  DriverError::Kind kind;
};

struct UnexpectedReplyFailure : std::runtime_error {
  UnexpectedReplyFailure(const std::string& m, smtp::Reply r, std::vector<int> e)
      : std::runtime_error(m), reply(std::move(r)), expected(std::move(e)) {}
  smtp::Reply reply;
  std::vector<int> expected;
};

template <class T>
T value_or_raise(DriverResult<T> r) {
  if (!r) throw DriverFailure(r.error().kind, r.error().message);
  return std::move(*r);
}

// `expect`: None, one code, or a list of acceptable codes; a code below 10 is a class (2 = 2xx).
std::vector<int> codes(const py::object& expect) {
  if (expect.is_none()) return {};
  if (py::isinstance<py::int_>(expect)) return {expect.cast<int>()};
  return expect.cast<std::vector<int>>();
}

bool code_fits(int code, int want) { return want < 10 ? code / 100 == want : code == want; }

void check_expect(const smtp::Reply& r, const std::vector<int>& want, const std::string& what) {
  if (want.empty()) return;
  if (std::any_of(want.begin(), want.end(), [&](int w) { return code_fits(r.code, w); })) return;
  std::string list;
  for (int w : want) list += (list.empty() ? "" : " or ") + (w < 10 ? std::to_string(w) + "xx" : std::to_string(w));
  throw UnexpectedReplyFailure(what + ": expected " + list + ", got " + r.summary(), r, want);
}

// One client session with the capabilities its last EHLO announced.
class SmtpSession {
 public:
  explicit SmtpSession(double timeout) : driver_(seconds_to_ms(timeout)) {}

  smtp::Reply connect(const std::string& host, std::uint16_t port, const std::string& source, const py::object& expect) {
    return step("connect to " + host + ":" + std::to_string(port), expect,
                [&] { return driver_.connect(host, port, source); });
  }
  smtp::Reply ehlo(const std::string& name, const py::object& expect) {
    auto r = command("EHLO " + name, expect);
    capabilities_.clear();
    if (r.code == 250) {
      for (std::size_t k = 1; k < r.lines.size(); ++k) {
        const auto& line = r.lines[k];
        auto sp = line.find(' ');
        std::string key = line.substr(0, sp);
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::toupper(c); });
        capabilities_[key] = sp == std::string::npos ? "" : line.substr(sp + 1);
      }
    }
    return r;
  }
  smtp::Reply command(const std::string& line, const py::object& expect) {
    return step(line, expect, [&] { return driver_.command(line); });
  }
  std::vector<smtp::Reply> pipeline(const std::vector<std::string>& lines, const py::object& expect) {
    std::vector<smtp::Reply> replies;
    {
      py::gil_scoped_release nogil;
      replies = value_or_raise(driver_.pipeline(lines));
    }
    if (!expect.is_none()) {
      auto want = py::isinstance<py::int_>(expect) ? std::vector<int>(lines.size(), expect.cast<int>())
                                                   : expect.cast<std::vector<int>>();
      if (want.size() != lines.size()) throw std::invalid_argument("expect: one code per pipelined line");
      for (std::size_t k = 0; k < lines.size(); ++k) check_expect(replies[k], {want[k]}, lines[k]);
    }
    return replies;
  }
  void send_raw(const py::bytes& bytes) {
    std::string data = bytes;
    py::gil_scoped_release nogil;
    value_or_raise(driver_.send_raw(data));
  }
  smtp::Reply read_reply(const py::object& expect) {
    return step("reply", expect, [&] { return driver_.read_reply(); });
  }
  smtp::Reply starttls(const TlsClientOptions& o, const py::object& expect) {
    return step("STARTTLS", expect, [&] { return driver_.starttls(o); });
  }
  smtp::Reply data(const std::string& message, const py::object& expect) {
    return step("DATA", expect, [&] { return driver_.data(message); });
  }
  smtp::Reply quit(const py::object& expect) {
    auto r = command("QUIT", expect);
    driver_.close();
    return r;
  }
  void close() { driver_.close(); }
  const std::map<std::string, std::string>& capabilities() const { return capabilities_; }
  bool has_capability(std::string name) const {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    return capabilities_.count(name) != 0;
  }
  SessionDriver& driver() { return driver_; }

 private:
  template <class F>
  smtp::Reply step(const std::string& what, const py::object& expect, F f) {
    auto want = codes(expect);
    smtp::Reply r;
    {
      py::gil_scoped_release nogil;
      r = value_or_raise(f());
    }
    check_expect(r, want, what);
    return r;
  }

  SessionDriver driver_;
  std::map<std::string, std::string> capabilities_;
};

void register_exceptions(py::module_& m) {
  static py::object smtp_error = m.attr("SmtpError");
  auto make = [&](const char* name, py::object bases) {
    return py::reinterpret_steal<py::object>(
        PyErr_NewException((std::string("mxlab._core.") + name).c_str(), bases.ptr(), nullptr));
  };
  static py::object connect_error = make("SmtpConnectError", smtp_error);
  static py::object timeout_error =
      make("SmtpTimeout", py::make_tuple(smtp_error, py::reinterpret_borrow<py::object>(PyExc_TimeoutError)));
  static py::object disconnected = make("SmtpDisconnected", smtp_error);
  static py::object tls_error = make("SmtpTlsError", smtp_error);
  static py::object unexpected_reply = make("UnexpectedReply", smtp_error);
  m.attr("SmtpConnectError") = connect_error;
  m.attr("SmtpTimeout") = timeout_error;
  m.attr("SmtpDisconnected") = disconnected;
  m.attr("SmtpTlsError") = tls_error;
  m.attr("UnexpectedReply") = unexpected_reply;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const DriverFailure& e) {
      using K = DriverError::Kind;
      PyObject* type = e.kind == K::Connect        ? connect_error.ptr()
                       : e.kind == K::Timeout      ? timeout_error.ptr()
                       : e.kind == K::Disconnected ? disconnected.ptr()
                       : e.kind == K::Tls          ? tls_error.ptr()
                       : e.kind == K::Usage        ? PyExc_ValueError
                                                   : smtp_error.ptr();
      PyErr_SetString(type, e.what());
    } catch (const UnexpectedReplyFailure& e) {
      py::object err = unexpected_reply(e.what());
      err.attr("reply") = py::cast(e.reply);
      err.attr("expected") = py::cast(e.expected);
      PyErr_SetObject(unexpected_reply.ptr(), err.ptr());
    }
  });
}

}  // namespace

void bind_client(py::module_& m) {
  register_exceptions(m);

  py::class_<SmtpSession>(m, "SmtpSession", R"doc(A step-by-step SMTP client for tests.

    with SmtpSession(timeout=5) as s:
        s.connect("127.0.0.1", port, expect=220)
        s.ehlo("client.test")
        assert s.has_capability("PIPELINING")
        s.pipeline(["MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>"], expect=[250, 250])
        s.data(b"Subject: hi\r\n\r\nhello\r\n", expect=250)

`expect` takes a code, a class digit (2 = any 2xx) or a list of them; a mismatch raises
UnexpectedReply (with .reply). Failures raise SmtpConnectError, SmtpTimeout, SmtpDisconnected
or SmtpTlsError.)doc")
      .def(py::init<double>(), py::arg("timeout") = 10.0)
      .def("connect", &SmtpSession::connect, py::arg("host"), py::arg("port"), py::arg("source_address") = "",
           py::arg("expect") = py::none(), "Connects and returns the greeting.")
      .def("ehlo", &SmtpSession::ehlo, py::arg("name") = "client.mxlab.test", py::arg("expect") = py::none(),
           "EHLO; on 250 the announced extensions become .capabilities.")
      .def("helo", [](SmtpSession& s, const std::string& name, const py::object& expect) {
             return s.command("HELO " + name, expect);
           }, py::arg("name") = "client.mxlab.test", py::arg("expect") = py::none())
      .def("command", &SmtpSession::command, py::arg("line"), py::arg("expect") = py::none(),
           "Sends one command line (CRLF added) and returns its reply.")
      .def("mail", [](SmtpSession& s, const std::string& sender, const std::string& params, const py::object& expect) {
             return s.command("MAIL FROM:<" + sender + ">" + (params.empty() ? "" : " " + params), expect);
           }, py::arg("sender"), py::arg("params") = "", py::arg("expect") = py::none())
      .def("rcpt", [](SmtpSession& s, const std::string& rcpt, const std::string& params, const py::object& expect) {
             return s.command("RCPT TO:<" + rcpt + ">" + (params.empty() ? "" : " " + params), expect);
           }, py::arg("recipient"), py::arg("params") = "", py::arg("expect") = py::none())
      .def("pipeline", &SmtpSession::pipeline, py::arg("lines"), py::arg("expect") = py::none(),
           "Sends the lines in one write (RFC 2920) and returns one reply per line; expect is one "
           "code for all or a list with one per line.")
      .def("send_raw", &SmtpSession::send_raw, py::arg("data"), "Writes bytes exactly as given.")
      .def("read_reply", &SmtpSession::read_reply, py::arg("expect") = py::none())
      .def("starttls", [](SmtpSession& s, bool verify, const std::string& ca_file, const std::string& server_name,
                          const std::string& min_version, const py::object& expect) {
             return s.starttls(TlsClientOptions{verify, ca_file, server_name, min_version}, expect);
           }, py::arg("verify") = false, py::arg("ca_file") = "", py::arg("server_name") = "",
           py::arg("min_version") = "", py::arg("expect") = py::none(),
           "STARTTLS; on 220 the TLS handshake follows (failure: SmtpTlsError). Re-issue EHLO after.")
      .def("data", &SmtpSession::data, py::arg("message"), py::arg("expect") = py::none(),
           "DATA, the dot-stuffed message and the final dot; returns the end-of-data reply.")
      .def("quit", &SmtpSession::quit, py::arg("expect") = py::none())
      .def("close", &SmtpSession::close)
      .def_property_readonly("capabilities", &SmtpSession::capabilities)
      .def("has_capability", &SmtpSession::has_capability, py::arg("name"))
      .def_property_readonly("connected", [](SmtpSession& s) { return s.driver().connected(); })
      .def_property_readonly("peer_closed", [](SmtpSession& s) { return s.driver().peer_closed(); })
      .def_property_readonly("tls_active", [](SmtpSession& s) { return s.driver().tls_active(); })
      .def_property_readonly("tls_version", [](SmtpSession& s) { return s.driver().tls_version(); })
      .def_property_readonly("tls_cipher", [](SmtpSession& s) { return s.driver().tls_cipher(); })
      .def_property("timeout", [](SmtpSession& s) { return s.driver().timeout().count() / 1000.0; },
                    [](SmtpSession& s, double t) { s.driver().set_timeout(seconds_to_ms(t)); })
      .def("__enter__", [](SmtpSession& s) -> SmtpSession& { return s; }, py::return_value_policy::reference)
      .def("__exit__", [](SmtpSession& s, py::args) { s.close(); });
}

}  // namespace mxlab::py_bind
