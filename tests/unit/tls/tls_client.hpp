// A minimal blocking TLS client for engine tests, on an already connected socket (so a test can
// speak plaintext first, then STARTTLS). No verification: certificate checks are tested with
// openssl s_client. Reads are bounded by the socket's SO_RCVTIMEO.
#pragma once
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

namespace mxlab::wire {

class TlsClient {
 public:
  explicit TlsClient(int fd) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd);
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  bool handshake() { return SSL_connect(ssl_) == 1; }
  std::string version() const { return SSL_get_version(ssl_); }
  void send(const std::string& s) { SSL_write(ssl_, s.data(), static_cast<int>(s.size())); }
  std::string read_reply() {
    std::string out;
    for (;;) {
      std::size_t nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl + 2);
        buf_.erase(0, nl + 2);
        out += line;
        if (line.size() < 4 || line[3] != '-') return out;
        continue;
      }
      char tmp[4096];
      int n = SSL_read(ssl_, tmp, sizeof tmp);
      if (n <= 0) return out;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

}  // namespace mxlab::wire
