package ai.goldilocks.server;

/** How messages quote a value a client sent (an id, a header): at most {@value #LIMIT} characters. */
final class Quote {
  static final int LIMIT = 64;

  private Quote() {}

  /** {@code s} whole if short, else its first {@value #LIMIT} characters and its length. */
  static String of(String s) {
    if (s == null || s.length() <= LIMIT) {
      return s;
    }
    return s.substring(0, LIMIT) + "... (" + s.length() + " characters)";
  }
}
