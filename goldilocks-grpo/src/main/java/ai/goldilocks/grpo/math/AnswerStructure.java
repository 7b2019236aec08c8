package ai.goldilocks.grpo.math;

import java.util.ArrayList;
import java.util.List;

/**
 * The structure of a normalised answer: a tuple, a set, an interval or a matrix, split into its
 * items at top-level commas (or, for a matrix, into cells row by row), for an item-wise comparison.
 */
final class AnswerStructure {
  private AnswerStructure() {}

  enum Kind { TUPLE, SET, INTERVAL, MATRIX }

  /** LaTeX matrix environments compared as matrices ({@code vmatrix} is a determinant: not one). */
  private static final List<String> MATRICES = List.of("pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix");

  static final class Structure {
    Kind kind;
    char open;
    char close;
    int columns;
    final List<String> items = new ArrayList<>();

    /**
     * Splits "(a,b)", "[a,b)", "{a,b}" (after normalisation) or a bare "a,b" at top-level commas; a
     * matrix environment into its cells, row by row.
     */
    static Structure parse(String s) {
      if (s.length() < 2) {
        return null;
      }
      if (s.startsWith("\\begin{")) {
        return matrix(s);
      }
      char o = s.charAt(0);
      char c = s.charAt(s.length() - 1);
      Structure st = new Structure();
      String inner;
      if (o == '{' && c == '}') {
        st.kind = Kind.SET;
        inner = s.substring(1, s.length() - 1);
      } else if ((o == '(' || o == '[') && (c == ')' || c == ']')) {
        inner = s.substring(1, s.length() - 1);
        st.open = o;
        st.close = c;
        st.kind = o == '(' && c == ')' ? Kind.TUPLE : Kind.INTERVAL;
        if (!balanced(inner)) {
          return null;
        }
      } else if (s.indexOf(',') >= 0) {
        st.kind = Kind.TUPLE;
        inner = s;
      } else {
        return null;
      }
      int depth = 0;
      int start = 0;
      for (int i = 0; i < inner.length(); i++) {
        char ch = inner.charAt(i);
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
        } else if (ch == ',' && depth == 0) {
          st.items.add(inner.substring(start, i));
          start = i + 1;
        }
      }
      st.items.add(inner.substring(start));
      if (st.items.stream().anyMatch(String::isEmpty)) {
        return null;
      }
      if (st.kind == Kind.TUPLE && st.items.size() < 2 && inner == s) {
        return null;
      }
      if (st.kind == Kind.INTERVAL && st.items.size() != 2) {
        // "[1,2,3]" is a list: treat as a tuple
        st.kind = Kind.TUPLE;
      }
      return st;
    }

    /** {@code \begin{pmatrix}a&b\\c&d\end{pmatrix}}: rows at top-level {@code \\}, cells at {@code &}. */
    private static Structure matrix(String s) {
      int close = s.indexOf('}');
      if (close < 0) {
        return null;
      }
      String env = s.substring(7, close);
      String end = "\\end{" + env + "}";
      if (!MATRICES.contains(env) || !s.endsWith(end) || close + 1 > s.length() - end.length()) {
        return null;
      }
      String body = s.substring(close + 1, s.length() - end.length());
      if (!balanced(body)) {
        return null;
      }
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      int depth = 0;
      int start = 0;
      for (int i = 0; i <= body.length(); i++) {
        char ch = i < body.length() ? body.charAt(i) : '\0';
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
        } else if (depth == 0 && (ch == '&' || i == body.length() || body.startsWith("\\\\", i))) {
          row.add(body.substring(start, i));
          if (ch != '&') {
            rows.add(row);
            row = new ArrayList<>();
            i++; // the second backslash
          }
          start = i + 1;
        }
      }
      List<String> last = rows.get(rows.size() - 1);
      if (rows.size() > 1 && last.size() == 1 && last.get(0).isEmpty()) {
        rows.remove(rows.size() - 1); // a trailing row separator
      }
      Structure st = new Structure();
      st.kind = Kind.MATRIX;
      st.columns = rows.get(0).size();
      for (List<String> r : rows) {
        if (r.size() != st.columns || r.stream().anyMatch(String::isEmpty)) {
          return null;
        }
        st.items.addAll(r);
      }
      return st;
    }

    private static boolean balanced(String s) {
      int depth = 0;
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        if (ch == '(' || ch == '[' || ch == '{') {
          depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
          depth--;
          if (depth < 0) {
            return false;
          }
        }
      }
      return depth == 0;
    }
  }
}
