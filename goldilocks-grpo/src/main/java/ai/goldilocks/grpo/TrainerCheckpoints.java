package ai.goldilocks.grpo;

import ai.goldilocks.core.Sampler;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The on-disk form of a {@link GrpoTrainer} checkpoint: a directory {@code step-NNNNNNNNN} holding
 * the policy's part ({@code policy/}), the sampler's state, {@code trainer.properties} (format,
 * counters, seed and the configuration the run was made with) and a SHA-256 manifest of every file.
 * It is written under a temporary name and renamed, so a crash never leaves a half-written
 * checkpoint under the final name, and it is verified in full before anything is restored.
 */
final class TrainerCheckpoints {
  static final int FORMAT = 1;
  private static final String MANIFEST = "MANIFEST.sha256";
  private static final String PROPERTIES = "trainer.properties";

  private TrainerCheckpoints() {}

  /** What a verified checkpoint says about the trainer. */
  record Saved(long step, long rolloutsSpent, Properties properties) {}

  static String name(long step) {
    return String.format("step-%09d", step);
  }

  /** Writes a checkpoint of step {@code step} under {@code dir}; returns its path. */
  static Path write(Path dir, long step, long rolloutsSpent, long seed, Map<String, String> configuration, Policy policy,
      Sampler sampler) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name(step));
    Path tmp = dir.resolve("." + name(step) + ".tmp");
    deleteRecursively(tmp);
    Files.createDirectories(tmp);
    policy.saveCheckpoint(tmp.resolve("policy"));
    try (OutputStream out = Files.newOutputStream(tmp.resolve("sampler.state"))) {
      sampler.saveState(out);
    }
    Properties p = new Properties();
    p.setProperty("format", Integer.toString(FORMAT));
    p.setProperty("step", Long.toString(step));
    p.setProperty("rolloutsSpent", Long.toString(rolloutsSpent));
    p.setProperty("seed", Long.toString(seed));
    configuration.forEach(p::setProperty);
    try (OutputStream out = Files.newOutputStream(tmp.resolve(PROPERTIES))) {
      p.store(out, "Goldilocks GRPO trainer state");
    }
    StringBuilder manifest = new StringBuilder();
    for (Map.Entry<String, String> e : hashes(tmp).entrySet()) {
      manifest.append(e.getValue()).append("  ").append(e.getKey()).append('\n');
    }
    Files.writeString(tmp.resolve(MANIFEST), manifest.toString());
    deleteRecursively(target);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  /** The newest complete checkpoint under {@code dir}, if any. */
  static Optional<Path> latest(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}") && Files.isRegularFile(p.resolve(MANIFEST)))
          .max(java.util.Comparator.comparing(p -> p.getFileName().toString()));
    }
  }

  /**
   * Checks every file of checkpoint {@code dir} against its manifest and reads its properties.
   *
   * @throws IOException naming the file that is missing or does not match, a corrupt manifest or
   *     properties file, an unsupported format, or a seed other than {@code seed}
   */
  static Saved verify(Path dir, long seed) throws IOException {
    Path manifestFile = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new IOException("not a complete checkpoint (no " + MANIFEST + "): " + dir);
    }
    Map<String, String> expected = new TreeMap<>();
    for (String line : Files.readAllLines(manifestFile)) {
      if (line.isBlank()) {
        continue;
      }
      int sp = line.indexOf("  ");
      if (sp != 64) {
        throw new IOException("corrupt checkpoint manifest line in " + manifestFile + ": " + line);
      }
      expected.put(line.substring(sp + 2), line.substring(0, sp));
    }
    Map<String, String> actual = hashes(dir);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String h = actual.get(e.getKey());
      if (h == null) {
        throw new IOException("corrupt checkpoint " + dir + ": file " + e.getKey() + " is missing");
      }
      if (!h.equals(e.getValue())) {
        throw new IOException("corrupt checkpoint " + dir + ": file " + e.getKey() + " does not match its SHA-256 in the manifest");
      }
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(PROPERTIES))) {
      p.load(in);
    }
    try {
      if (Integer.parseInt(p.getProperty("format")) != FORMAT) {
        throw new IOException(dir + ": unsupported checkpoint format " + p.getProperty("format"));
      }
      long savedSeed = Long.parseLong(p.getProperty("seed"));
      if (savedSeed != seed) {
        throw new IOException(dir + ": checkpoint was written with seed " + savedSeed + ", this trainer has seed " + seed);
      }
      return new Saved(Long.parseLong(p.getProperty("step")), Long.parseLong(p.getProperty("rolloutsSpent")), p);
    } catch (NumberFormatException e) {
      throw new IOException(dir + ": corrupt " + PROPERTIES + ": " + e.getMessage(), e);
    }
  }

  /**
   * The configuration entries ({@code config.*}) that differ between a checkpoint and the trainer
   * now, as "key: saved -&gt; now" lines without the prefix.
   */
  static List<String> differences(Properties saved, Map<String, String> now) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : now.entrySet()) {
      String was = saved.getProperty(e.getKey());
      if (!e.getValue().equals(was)) {
        out.add(e.getKey().substring("config.".length()) + ": " + (was == null ? "(not recorded)" : was) + " -> " + e.getValue());
      }
    }
    return out;
  }

  /**
   * Keeps the lines of a metrics log (one JSON object per step) whose {@code step} is at most
   * {@code step}: the steps after a checkpoint are run again after a restore. A line that is not a
   * JSON object with a numeric {@code step} (a torn last line after a crash) is dropped.
   */
  static void truncateMetrics(Path metricsFile, long step) throws IOException {
    if (metricsFile == null || !Files.exists(metricsFile)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(metricsFile)) {
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
    Files.write(metricsFile, keep);
  }

  private static Map<String, String> hashes(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String rel = root.relativize(f).toString().replace('\\', '/');
        if (rel.equals(MANIFEST)) {
          continue;
        }
        out.put(rel, sha256(f));
      }
    }
    return out;
  }

  private static String sha256(Path f) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(f)) {
        byte[] buf = new byte[1 << 16];
        int r;
        while ((r = in.read(buf)) > 0) {
          md.update(buf, 0, r);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(x);
      }
    }
  }
}
