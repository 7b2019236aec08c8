package ai.goldilocks.server;

/** A request the server refuses: an HTTP status, a short type and a message naming the problem. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;
  final String type;

  ApiException(int status, String type, String message) {
    super(message);
    this.status = status;
    this.type = type;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  static ApiException unprocessable(String message) {
    return new ApiException(422, "invalid_value", message);
  }

  static ApiException conflict(String message) {
    return new ApiException(409, "conflict", message);
  }
}
