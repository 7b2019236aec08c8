package ai.goldilocks.grpo;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** The trainer's JSONL step log: one {@link StepMetrics#toJson()} line per step; none without a file. */
final class MetricsLog {
  private final Path file;

  MetricsLog(Path file) {
    this.file = file;
  }

  /** Appends one step's line (creating the file's folder if needed). */
  void append(StepMetrics m) throws IOException {
    if (file != null) {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, m.toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  /**
   * Keeps the lines whose {@code step} is at most {@code step}: the steps after a checkpoint are
   * run again after a restore. A line that is not a JSON object with a numeric {@code step} (a torn
   * last line after a crash) is dropped.
   */
  void truncateAfter(long step) throws IOException {
    if (file == null || !Files.exists(file)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      try {
        JsonElement e = JsonParser.parseString(line);
        if (e.isJsonObject()) {
          JsonObject o = e.getAsJsonObject();
          if (o.has("step") && o.get("step").isJsonPrimitive() && o.get("step").getAsLong() <= step) {
            keep.add(line);
          }
        }
      } catch (RuntimeException torn) {
        // not a complete JSON line: dropped
      }
    }
    Files.write(file, keep);
  }
}
