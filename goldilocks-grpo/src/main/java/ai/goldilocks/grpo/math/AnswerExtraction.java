package ai.goldilocks.grpo.math;

import java.util.Locale;
import java.util.Optional;

/** Finds the final answer in a solution's text (see {@link MathAnswers#extract}). */
final class AnswerExtraction {
  private AnswerExtraction() {}

  /**
   * The final answer of a solution: the content of the last {@code \boxed{...}} (or {@code \fbox}),
   * with nested braces; else the text after the last "answer is" / "Answer:" / "final answer".
   */
  static Optional<String> extract(String solution) {
    if (solution == null || solution.length() > MathAnswers.MAX_LENGTH) {
      return Optional.empty();
    }
    int best = -1;
    String boxed = null;
    for (String cmd : new String[] {"\\boxed", "\\fbox"}) {
      int at = solution.lastIndexOf(cmd);
      if (at > best) {
        int i = at + cmd.length();
        while (i < solution.length() && solution.charAt(i) == ' ') {
          i++;
        }
        if (i < solution.length() && solution.charAt(i) == '{') {
          int end = matchingBrace(solution, i);
          if (end > 0) {
            best = at;
            boxed = solution.substring(i + 1, end);
          }
        }
      }
    }
    if (boxed != null) {
      return Optional.of(boxed.trim());
    }
    String lower = solution.toLowerCase(Locale.ROOT);
    int pos = -1;
    int skip = 0;
    for (String key : new String[] {"final answer is", "final answer:", "the answer is", "answer is", "answer:"}) {
      int at = lower.lastIndexOf(key);
      if (at > pos) {
        pos = at;
        skip = key.length();
      }
    }
    if (pos < 0) {
      return Optional.empty();
    }
    String rest = solution.substring(pos + skip);
    int nl = rest.indexOf('\n');
    if (nl >= 0) {
      rest = rest.substring(0, nl);
    }
    rest = rest.trim();
    while (rest.endsWith(".") || rest.endsWith(":")) {
      rest = rest.substring(0, rest.length() - 1).trim();
    }
    return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
  }

  /** The index of the brace closing the one at {@code open} (escaped braces skipped), or -1. */
  static int matchingBrace(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        i++; // escaped brace
        continue;
      }
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }
}
