// Errors cross every boundary as values: a Status carries a stable code and a message that
// names the problem and the fix. JavaScript turns a non-ok Status into a typed error.
#ifndef GMATRIX_STATUS_H_
#define GMATRIX_STATUS_H_

#include <string>
#include <utility>

namespace gmatrix {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kFailedPrecondition,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The code as the JavaScript side names it (matches js/src/errors.js codes).
  const char* code_name() const {
    switch (code_) {
      case StatusCode::kOk: return "OK";
      case StatusCode::kInvalidArgument: return "E_INVALID_ARGUMENT";
      case StatusCode::kNotFound: return "E_NOT_FOUND";
      case StatusCode::kFailedPrecondition: return "E_MODEL_FORMAT";
    }
    return "E_UNKNOWN";
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}

}  // namespace gmatrix

#endif  // GMATRIX_STATUS_H_
