package ai.goldilocks.server;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.grpo.data.OmrReader;
import ai.goldilocks.grpo.data.ReadReport;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a question pool: JSONL rows with {@code id} and {@code text} (other fields ignored), or
 * OpenMathReasoning parquet / JSONL through {@link OmrReader} (rows with {@code problem}).
 * Malformed JSONL rows are skipped, counted and reported; a file where no row is usable is an error.
 */
public final class PoolFiles {
  private static final Logger LOG = LoggerFactory.getLogger(PoolFiles.class);

  private PoolFiles() {}

  /** Loads the pool at {@code source} (a file, a directory or a glob for OpenMathReasoning). */
  public static QuestionPool load(String source) throws IOException {
    Path p = Path.of(source);
    if (Files.isRegularFile(p) && source.endsWith(".jsonl") && firstRowHasText(p)) {
      return idText(p);
    }
    OmrReader reader = OmrReader.builder(source).build();
    QuestionPool.Builder b = QuestionPool.builder();
    ReadReport report = reader.read(mp -> b.add(mp.toQuestion()));
    LOG.info("read {}: {}", source, report);
    if (b.size() == 0) {
      throw new IOException("no usable question in " + source);
    }
    return b.build();
  }

  private static boolean firstRowHasText(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          try {
            JsonElement e = JsonParser.parseString(line);
            return e.isJsonObject() && e.getAsJsonObject().has("text") && !e.getAsJsonObject().has("problem");
          } catch (RuntimeException e) {
            return true; // let the id/text reader report it
          }
        }
      }
    }
    return false;
  }

  private static QuestionPool idText(Path file) throws IOException {
    QuestionPool.Builder b = QuestionPool.builder();
    java.util.Set<String> ids = new java.util.HashSet<>();
    long skipped = 0;
    long lineNo = 0;
    String firstProblem = null;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String problem = null;
        try {
          JsonObject o = JsonParser.parseString(line).getAsJsonObject();
          JsonElement id = o.get("id");
          JsonElement text = o.get("text");
          if (id == null || !id.isJsonPrimitive() || text == null || !text.isJsonPrimitive()) {
            problem = "needs string fields \"id\" and \"text\"";
          } else if (!ids.add(id.getAsString())) {
            problem = "duplicate id '" + id.getAsString() + "'";
          } else {
            b.add(new Question(id.getAsString(), text.getAsString()));
          }
        } catch (RuntimeException e) {
          problem = "not a JSON object (" + e.getMessage() + ")";
        }
        if (problem != null) {
          skipped++;
          if (firstProblem == null) {
            firstProblem = "line " + lineNo + ": " + problem;
          }
        }
      }
    }
    if (skipped > 0) {
      LOG.warn("{}: skipped {} malformed rows (first: {})", file, skipped, firstProblem);
    }
    if (b.size() == 0) {
      throw new IOException("no usable row in " + file + (firstProblem == null ? "" : " (first problem: " + firstProblem + ")"));
    }
    LOG.info("read {}: {} questions, {} rows skipped", file, b.size(), skipped);
    return b.build();
  }
}
