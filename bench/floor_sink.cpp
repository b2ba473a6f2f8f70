// floor_sink: the least a receiving SMTP server can do per message, as a reference for
// bench/sink_bench.py. One thread, level-triggered epoll, accept4(SOCK_NONBLOCK), one recv per
// readiness, one send per reply, a fixed reply per command and nothing stored or checked. What it
// spends per message is almost all kernel time (TCP on loopback: accept, the sends that wake the
// client, close), which no real server can avoid: the floor under any server's CPU per message.
//   floor_sink ADDRESS PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

struct Client {
  int fd;
  bool in_data = false;
  std::string line;  // the current line, up to its LF
};

void reply(int fd, std::string_view text) { (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

// Answers every complete line; true when the client said QUIT.
bool on_line(Client& c) {
  std::string_view l = c.line;
  if (c.in_data) {
    if (l == ".\r\n") {
      c.in_data = false;
      reply(c.fd, "250 2.0.0 Ok: queued\r\n");
    }
    return false;
  }
  auto is = [&](const char* verb) { return l.size() >= 4 && ::strncasecmp(l.data(), verb, 4) == 0; };
  if (is("EHLO")) {
    reply(c.fd, "250-floor\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
  } else if (is("DATA")) {
    c.in_data = true;
    reply(c.fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
  } else if (is("QUIT")) {
    reply(c.fd, "221 2.0.0 Bye\r\n");
    return true;
  } else {
    reply(c.fd, "250 2.0.0 Ok\r\n");
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: floor_sink ADDRESS PORT\n");
    return 2;
  }
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (::inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 512) != 0) {
    std::perror("floor_sink: listen");
    return 1;
  }
  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  static char buf[65536];
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (int fd; (fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          auto* c = new Client{fd, false, {}};
          reply(fd, "220 floor ESMTP\r\n");
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.ptr = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      std::unique_ptr<Client> c(static_cast<Client*>(events[i].data.ptr));
      ssize_t got = ::recv(c->fd, buf, sizeof buf, 0);
      bool done = got == 0 || (got < 0 && errno != EAGAIN);
      for (const char *p = buf, *end = buf + (got > 0 ? got : 0); p < end && !done;) {
        const char* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* stop = lf ? lf + 1 : end;
        c->line.append(p, std::min<std::size_t>(static_cast<std::size_t>(stop - p), 1024 - std::min<std::size_t>(c->line.size(), 1024)));
        p = stop;
        if (!lf) break;
        done = on_line(*c);
        c->line.clear();
      }
      if (done) {
        ::close(c->fd);  // also leaves the epoll set
      } else {
        c.release();
      }
    }
  }
}
