// A tiny SMTP client for the examples (stands in for the mailer under test): sends one
// message over a plain socket and returns the reply where the transaction ended, "250 ..."
// once accepted, or the refusal ("451 4.7.1 ..." at RCPT). POSIX sockets, no library.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace example {

class Connection {
 public:
  explicit Connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
      const auto n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("connection lost while sending");
      done += static_cast<std::size_t>(n);
    }
  }
  // One reply; of a multi-line reply ("250-...", "250 ..."), its last line.
  std::string reply() {
    for (;;) {
      const auto line = read_line();
      if (line.size() < 4 || line[3] != '-') return line;
    }
  }

 private:
  std::string read_line() {
    for (;;) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        auto line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      char chunk[512];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) throw std::runtime_error("connection closed by the server");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  int fd_;
  std::string buffer_;
};

inline std::string send_mail(std::uint16_t port, const std::string& from, const std::string& to,
                             const std::string& subject, const std::string& body) {
  Connection smtp(port);
  std::string reply = smtp.reply();  // the 220 greeting
  const std::string commands[] = {
      "EHLO client.example.test\r\n", "MAIL FROM:<" + from + ">\r\n", "RCPT TO:<" + to + ">\r\n",
      "DATA\r\n",
      // the message, ended by CRLF.CRLF (RFC 5321 §4.1.1.4); the body has no line with a lone '.'
      "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject + "\r\n\r\n" + body +
          "\r\n.\r\n"};
  for (const auto& command : commands) {
    if (reply.empty() || (reply[0] != '2' && reply[0] != '3')) break;  // refused: stop here
    smtp.send(command);
    reply = smtp.reply();
  }
  smtp.send("QUIT\r\n");
  return reply;
}

}  // namespace example
