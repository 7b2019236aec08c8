package ai.goldilocks.grpo.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Parquet rows as column maps, through parquet-floor (an optional dependency); errors name the file. */
final class ParquetRows {
  private ParquetRows() {}

  static void read(Path file, Set<String> missing, Consumer<Map<String, Object>> sink) throws IOException {
    try {
      Class.forName("blue.strategic.parquet.ParquetReader");
    } catch (ClassNotFoundException e) {
      throw new IOException("reading " + file + " needs blue.strategic.parquet:parquet-floor on the classpath "
          + "(an optional dependency of goldilocks-grpo); JSONL files need nothing extra");
    }
    if (Files.size(file) < 12) {
      throw new IOException(file + ": not a parquet file (" + Files.size(file) + " bytes)");
    }
    byte[] head = new byte[4];
    try (var in = Files.newInputStream(file)) {
      if (in.read(head) != 4 || head[0] != 'P' || head[1] != 'A' || head[2] != 'R' || head[3] != '1') {
        String hint = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("vers")
            ? " (it looks like a Git LFS pointer: fetch the real shard)" : "";
        throw new IOException(file + ": not a parquet file: no PAR1 magic" + hint);
      }
    }
    Set<String> present = new HashSet<>();
    try (Stream<Map<String, Object>> rows = blue.strategic.parquet.ParquetReader.streamContent(file.toFile(), new Hydrator(present))) {
      rows.forEach(sink);
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": cannot read parquet: " + e.getMessage(), e);
    }
    for (String c : OmrReader.COLUMNS) {
      if (!present.contains(c)) {
        missing.add(c);
      }
    }
  }

  private static final class Hydrator implements blue.strategic.parquet.Hydrator<Map<String, Object>, Map<String, Object>, String[]> {
    private final Set<String> present;

    Hydrator(Set<String> present) {
      this.present = present;
    }

    @Override
    public Map<String, Object> start() {
      return new HashMap<>();
    }

    @Override
    public Map<String, Object> add(Map<String, Object> target, String[] path, Object value) {
      if (value != null) {
        String heading = String.join(".", path);
        present.add(heading);
        target.put(heading, value);
      }
      return target;
    }

    @Override
    public Map<String, Object> finish(Map<String, Object> target) {
      return target;
    }
  }
}
