package ai.goldilocks.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a question pool from JSON Lines: one object per line with a string {@code text} and an
 * {@code id} (a string, or a number taken as its literal text); other fields are ignored, blank
 * lines skipped. A malformed row (not a JSON object, a missing or mistyped field, an id seen
 * before) either stops the read with an {@link IOException} naming the file, the line and the
 * problem, or, with {@code skipMalformed}, is skipped and counted; a file without a usable row is
 * always an error. The teacher service and hosts load their pools with it.
 *
 * <pre>{@code
 * JsonlPool.Result r = JsonlPool.read(Path.of("questions.jsonl"), true);
 * QuestionPool pool = r.pool(); // r.skipped() rows were malformed, r.problems() says why (the first 10)
 * }</pre>
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class JsonlPool {
  private static final Logger LOG = LoggerFactory.getLogger(JsonlPool.class);
  /** The problems a {@link Result} quotes at most. */
  public static final int MAX_PROBLEMS = 10;

  private JsonlPool() {}

  /**
   * What a read produced.
   *
   * @param pool the questions, in file order
   * @param skipped the malformed rows skipped (0 unless {@code skipMalformed})
   * @param problems the first {@value #MAX_PROBLEMS} of them, each as {@code file:line: problem}
   */
  public record Result(QuestionPool pool, long skipped, List<String> problems) {
    /** Copies {@code problems}. */
    public Result {
      Objects.requireNonNull(pool, "pool");
      problems = List.copyOf(problems);
    }
  }

  /**
   * Reads {@code file}.
   *
   * @param skipMalformed skip malformed rows (counted, and logged once as a warning) instead of failing
   * @throws IOException if the file cannot be read, a row is malformed (unless skipped), or no row is usable
   */
  public static Result read(Path file, boolean skipMalformed) throws IOException {
    QuestionPool.Builder b = QuestionPool.builder();
    Map<String, Long> firstLine = new HashMap<>();
    List<String> problems = new ArrayList<>();
    long skipped = 0;
    long lineNo = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String problem = null;
        Map<String, Object> row;
        try {
          row = new Row(line).object();
        } catch (IllegalArgumentException e) {
          row = null;
          problem = "not a JSON object: " + e.getMessage();
        }
        if (row != null) {
          Object id = row.get("id");
          Object text = row.get("text");
          if (!(id instanceof String) && !(id instanceof Number)) {
            problem = id == null ? "no \"id\"" : "\"id\" must be a string or a number";
          } else if (!(text instanceof String)) {
            problem = text == null ? "no \"text\"" : "\"text\" must be a string";
          } else {
            String key = id.toString();
            Long before = firstLine.putIfAbsent(key, lineNo);
            if (before != null) {
              problem = "duplicate id '" + shorten(key) + "' (first on line " + before + ")";
            } else {
              try {
                b.add(new Question(key, (String) text));
              } catch (IllegalArgumentException e) {
                problem = e.getMessage(); // e.g. a lone surrogate, which cannot be stored
                firstLine.remove(key);
              }
            }
          }
        }
        if (problem != null) {
          String where = file + ":" + lineNo + ": " + problem;
          if (!skipMalformed) {
            throw new IOException(where + " (fix the row, or skip malformed rows)");
          }
          skipped++;
          if (problems.size() < MAX_PROBLEMS) {
            problems.add(where);
          }
        }
      }
    }
    if (b.size() == 0) {
      throw new IOException("no usable row in " + file + (problems.isEmpty() ? " (it is empty)" : " (first problem: "
          + problems.get(0) + ")"));
    }
    if (skipped > 0) {
      LOG.warn("{}: skipped {} malformed rows of {} (first: {})", file, skipped, skipped + b.size(), problems.get(0));
    }
    return new Result(b.build(), skipped, problems);
  }

  /**
   * Whether the first non-blank line of {@code file} is a JSON object with a {@code text} field,
   * i.e. the file is in this format rather than another JSONL layout; false for an empty file.
   */
  public static boolean looksLikeIdText(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          try {
            return new Row(line).object().containsKey("text");
          } catch (IllegalArgumentException e) {
            return true; // malformed: let read() report it
          }
        }
      }
    }
    return false;
  }

  private static String shorten(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "... (" + s.length() + " characters)";
  }

  /**
   * A strict parser of one JSON object (RFC 8259): keeps the top level's strings and numbers,
   * reads past every other value. Errors are {@link IllegalArgumentException}s naming the column.
   */
  private static final class Row {
    private static final Object OTHER = new Object();
    private final String s;
    private int i;

    Row(String s) {
      this.s = s;
    }

    Map<String, Object> object() {
      space();
      if (peek() != '{') {
        throw error("expected '{'");
      }
      Map<String, Object> out = new HashMap<>();
      i++;
      space();
      if (peek() == '}') {
        i++;
      } else {
        while (true) {
          space();
          if (peek() != '"') {
            throw error("expected a field name");
          }
          String key = string();
          space();
          expect(':');
          space();
          out.put(key, topValue());
          space();
          char c = next();
          if (c == '}') {
            break;
          }
          if (c != ',') {
            i--;
            throw error("expected ',' or '}'");
          }
        }
      }
      space();
      if (i < s.length()) {
        throw error("more after the object");
      }
      return out;
    }

    private Object topValue() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return new Literal(number());
      }
      value();
      return OTHER;
    }

    private void value() {
      char c = peek();
      switch (c) {
        case '"' -> string();
        case '{' -> container('{', '}', true);
        case '[' -> container('[', ']', false);
        case 't' -> word("true");
        case 'f' -> word("false");
        case 'n' -> word("null");
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            number();
          } else {
            throw error("unexpected character");
          }
        }
      }
    }

    private void container(char open, char close, boolean named) {
      i++;
      space();
      if (peek() == close) {
        i++;
        return;
      }
      while (true) {
        space();
        if (named) {
          if (peek() != '"') {
            throw error("expected a field name");
          }
          string();
          space();
          expect(':');
          space();
        }
        value();
        space();
        char c = next();
        if (c == close) {
          return;
        }
        if (c != ',') {
          i--;
          throw error("expected ',' or '" + close + "'");
        }
      }
    }

    private String string() {
      i++; // the opening quote
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          i--;
          throw error("a control character in a string");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw error("a \\u escape cut short");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException x) {
              throw error("a \\u escape without 4 hex digits");
            }
            i += 4;
          }
          default -> {
            i--;
            throw error("an unknown escape \\" + e);
          }
        }
      }
    }

    private String number() {
      int start = i;
      if (peek() == '-') {
        i++;
      }
      int digits = i;
      if (digits() == 0 || (s.charAt(digits) == '0' && i - digits > 1)) {
        throw error("a malformed number");
      }
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        if (digits() == 0) {
          throw error("a malformed number");
        }
      }
      if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
        i++;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
          i++;
        }
        if (digits() == 0) {
          throw error("a malformed number");
        }
      }
      return s.substring(start, i);
    }

    /** Reads past decimal digits; returns how many. */
    private int digits() {
      int from = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      return i - from;
    }

    private void word(String w) {
      if (!s.startsWith(w, i)) {
        throw error("unexpected character");
      }
      i += w.length();
    }

    private void expect(char c) {
      if (next() != c) {
        i--;
        throw error("expected '" + c + "'");
      }
    }

    private void space() {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\r' || s.charAt(i) == '\n')) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw error("the line ends early");
      }
      return s.charAt(i);
    }

    private char next() {
      char c = peek();
      i++;
      return c;
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at column " + (i + 1));
    }
  }

  /** A number as written (an id may be one). */
  private static final class Literal extends Number {
    private static final long serialVersionUID = 1L;
    private final String text;

    Literal(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }

    @Override
    public int intValue() {
      return (int) doubleValue();
    }

    @Override
    public long longValue() {
      return (long) doubleValue();
    }

    @Override
    public float floatValue() {
      return (float) doubleValue();
    }

    @Override
    public double doubleValue() {
      return Double.parseDouble(text);
    }
  }
}
