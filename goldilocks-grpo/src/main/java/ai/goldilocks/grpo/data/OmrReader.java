package ai.goldilocks.grpo.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams OpenMathReasoning rows from parquet shards ({@code *.parquet}) and JSONL files
 * ({@code *.jsonl}, one object per line with the same field names) in a directory, a glob or a
 * list of files, with the filters users apply. Rows are handed out one at a time, so memory does
 * not grow with the dataset.
 *
 * <ul>
 *   <li>Missing columns (older versions lack {@code pass_rate_72b_tir} and {@code used_in_kaggle})
 *       read as null and are listed in the report.
 *   <li>Malformed rows (no problem text, a pass rate that is not a number or "n/a", a line that is
 *       not JSON) are skipped, counted per reason and reported; a file that cannot be read at all
 *       (truncated, a Git LFS pointer instead of a shard) throws {@link IOException} naming it.
 *   <li>Parquet needs {@code blue.strategic.parquet:parquet-floor} on the classpath (an optional
 *       dependency of this module); JSONL needs nothing extra.
 * </ul>
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class OmrReader {
  private static final Logger LOG = LoggerFactory.getLogger(OmrReader.class);
  static final List<String> COLUMNS = List.of("problem", "generated_solution", "generation_model", "problem_type",
      "expected_answer", "problem_source", "inference_mode", "pass_rate_72b_tir", "used_in_kaggle");

  private final List<Path> files;
  private final Set<String> problemTypes;
  private final Set<String> problemSources;
  private final Set<String> inferenceModes;
  private final double minPassRate;
  private final double maxPassRate;
  private final boolean keepUnknownPassRate;
  private final boolean dedupe;
  private final boolean requireAnswer;
  private final long limit;

  private OmrReader(Builder b) throws IOException {
    this.files = resolve(b.source);
    this.problemTypes = b.problemTypes;
    this.problemSources = b.problemSources;
    this.inferenceModes = b.inferenceModes;
    this.minPassRate = b.minPassRate;
    this.maxPassRate = b.maxPassRate;
    this.keepUnknownPassRate = b.keepUnknownPassRate;
    this.dedupe = b.dedupe;
    this.requireAnswer = b.requireAnswer;
    this.limit = b.limit;
  }

  /** A reader of a file, a directory (its {@code *.parquet} and {@code *.jsonl} files) or a glob such as {@code data/cot-*.parquet}. */
  public static Builder builder(String source) {
    return new Builder(source);
  }

  /** The files this reader will read, in order. */
  public List<Path> files() {
    return files;
  }

  private static List<Path> resolve(String source) throws IOException {
    Path p = Path.of(source);
    if (Files.isRegularFile(p)) {
      return List.of(p);
    }
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        s.filter(Files::isRegularFile).filter(OmrReader::supported).sorted().forEach(out::add);
      }
    } else {
      Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
      if (!Files.isDirectory(dir)) {
        throw new IOException("no such file, directory or glob: " + source);
      }
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(f -> m.matches(f.getFileName())).filter(Files::isRegularFile).sorted().forEach(out::add);
      }
    }
    if (out.isEmpty()) {
      throw new IOException("no .parquet or .jsonl files found at " + source);
    }
    return List.copyOf(out);
  }

  private static boolean supported(Path f) {
    String n = f.getFileName().toString();
    return n.endsWith(".parquet") || n.endsWith(".jsonl");
  }

  private final class State {
    long read;
    long kept;
    long filtered;
    long duplicates;
    final Map<String, Long> malformed = new TreeMap<>();
    final Set<String> missing = new TreeSet<>();
    final Set<String> seen = new HashSet<>();
    boolean stop;

    void bad(String reason) {
      malformed.merge(reason, 1L, Long::sum);
    }

    /** Validates, filters and hands one row on. */
    void offer(Map<String, Object> row, Consumer<MathProblem> sink) {
      read++;
      Object problem = row.get("problem");
      if (!(problem instanceof String text) || text.isBlank()) {
        bad("missing problem text");
        return;
      }
      String rate = str(row.get("pass_rate_72b_tir"));
      if (rate != null && !rate.equalsIgnoreCase("n/a")) {
        try {
          double r = Double.parseDouble(rate);
          if (!(r >= 0 && r <= 1)) {
            bad("pass_rate_72b_tir outside [0, 1]");
            return;
          }
        } catch (NumberFormatException e) {
          bad("pass_rate_72b_tir not a number or n/a");
          return;
        }
      }
      Object kaggle = row.get("used_in_kaggle");
      Boolean usedInKaggle = kaggle == null ? null : kaggle instanceof Boolean bo ? bo : Boolean.parseBoolean(kaggle.toString());
      MathProblem mp = new MathProblem(text, str(row.get("generated_solution")), str(row.get("generation_model")),
          str(row.get("problem_type")), str(row.get("expected_answer")), str(row.get("problem_source")),
          str(row.get("inference_mode")), rate, usedInKaggle);
      if (requireAnswer && (mp.expectedAnswer() == null || mp.expectedAnswer().isBlank())) {
        bad("missing expected_answer");
        return;
      }
      if (!accept(mp)) {
        filtered++;
        return;
      }
      if (dedupe && !seen.add(text)) {
        duplicates++;
        return;
      }
      kept++;
      sink.accept(mp);
      if (limit > 0 && kept >= limit) {
        stop = true;
      }
    }
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static boolean allowed(Set<String> filter, String value) {
    return filter == null || (value != null && filter.contains(value));
  }

  private boolean accept(MathProblem p) {
    if (!allowed(problemTypes, p.problemType()) || !allowed(problemSources, p.problemSource())
        || !allowed(inferenceModes, p.inferenceMode())) {
      return false;
    }
    double r = p.passRate();
    if (Double.isNaN(r)) {
      return keepUnknownPassRate;
    }
    return r >= minPassRate && r <= maxPassRate;
  }

  /**
   * Reads every file in order and hands each kept row to {@code sink}.
   *
   * @throws IOException naming the file when one cannot be read
   */
  public ReadReport read(Consumer<MathProblem> sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    State st = new State();
    int done = 0;
    for (Path f : files) {
      if (st.stop) {
        break;
      }
      if (f.getFileName().toString().endsWith(".jsonl")) {
        readJsonl(f, st, sink);
      } else {
        ParquetRows.read(f, st.missing, row -> {
          if (!st.stop) {
            st.offer(row, sink);
          }
        });
      }
      done++;
      LOG.debug("read {}: {} rows so far, {} kept", f, st.read, st.kept);
    }
    ReadReport r = new ReadReport(done, st.read, st.kept, st.filtered, st.duplicates, st.malformed, st.missing);
    if (r.malformedRows() > 0) {
      LOG.warn("skipped {} malformed rows: {}", r.malformedRows(), r.malformed());
    }
    return r;
  }

  /** Reads all kept rows into a list (for small data and tests). */
  public List<MathProblem> readAll() throws IOException {
    List<MathProblem> out = new ArrayList<>();
    read(out::add);
    return out;
  }

  private void readJsonl(Path f, State st, Consumer<MathProblem> sink) throws IOException {
    Set<String> present = new HashSet<>();
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String line;
      while (!st.stop && (line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject o;
        try {
          JsonElement e = JsonParser.parseString(line);
          if (!e.isJsonObject()) {
            st.read++;
            st.bad("JSONL line is not an object");
            continue;
          }
          o = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
          st.read++;
          st.bad("JSONL line is not valid JSON");
          continue;
        }
        Map<String, Object> row = new java.util.HashMap<>();
        for (String c : COLUMNS) {
          JsonElement v = o.get(c);
          if (v != null && !v.isJsonNull()) {
            present.add(c);
            row.put(c, v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() ? (Object) v.getAsBoolean()
                : v.isJsonPrimitive() ? v.getAsString() : v.toString());
          }
        }
        st.offer(row, sink);
      }
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IOException(f + ": not UTF-8 text (is it really JSONL?)", e);
    }
    for (String c : COLUMNS) {
      if (!present.contains(c)) {
        st.missing.add(c);
      }
    }
  }

  /** Configures an {@link OmrReader}. */
  public static final class Builder {
    private final String source;
    private Set<String> problemTypes;
    private Set<String> problemSources;
    private Set<String> inferenceModes;
    private double minPassRate = 0;
    private double maxPassRate = 1;
    private boolean keepUnknownPassRate = true;
    private boolean dedupe = true;
    private boolean requireAnswer = true;
    private long limit;

    private Builder(String source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** Keep only these problem types (e.g. has_answer_extracted). */
    public Builder problemTypes(String... types) {
      this.problemTypes = Set.of(types);
      return this;
    }

    /** Keep only these problem sources. */
    public Builder problemSources(String... sources) {
      this.problemSources = Set.of(sources);
      return this;
    }

    /** Keep only these inference modes (cot, tir, genselect). */
    public Builder inferenceModes(String... modes) {
      this.inferenceModes = Set.of(modes);
      return this;
    }

    /**
     * Keep rows with {@code min <= pass_rate_72b_tir <= max}; {@code keepUnknown} decides rows
     * with "n/a" or no such column (default: [0, 1], keep unknown).
     */
    public Builder passRate(double min, double max, boolean keepUnknown) {
      if (!(min >= 0 && max <= 1 && min <= max)) {
        throw new IllegalArgumentException("pass-rate range must lie in [0, 1] with min <= max, got [" + min + ", " + max + "]");
      }
      this.minPassRate = min;
      this.maxPassRate = max;
      this.keepUnknownPassRate = keepUnknown;
      return this;
    }

    /** Drop rows whose problem text was seen before (default true; the dataset repeats problems per solution). */
    public Builder dedupe(boolean dedupe) {
      this.dedupe = dedupe;
      return this;
    }

    /** Count rows without an expected answer as malformed (default true: RL needs a reference answer). */
    public Builder requireAnswer(boolean require) {
      this.requireAnswer = require;
      return this;
    }

    /** Stop after this many kept rows (0: no limit). */
    public Builder limit(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("limit must be >= 0, got " + rows);
      }
      this.limit = rows;
      return this;
    }

    /** Resolves the files; throws if there are none. */
    public OmrReader build() throws IOException {
      return new OmrReader(this);
    }
  }
}
