package ai.goldilocks.grpo;

import ai.goldilocks.core.Sampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * counters, seed and the {@link TrainerConfig} the run was made with) and a SHA-256 manifest of
 * every file. It is written under a temporary name, fsynced and renamed, so neither a crash nor a
 * power loss leaves a half-written checkpoint under the final name (nor prunes the older ones
 * before the new one is on disk), and a failed write leaves no temporary directory;
 * it is verified in full before anything is restored. Format 2 records the configuration one
 * setting per entry; format 1 (one {@code toString()} per component) is still read.
 */
final class TrainerCheckpoints {
  static final int FORMAT = 2;
  /** The oldest format still read. */
  static final int OLDEST_FORMAT = 1;
  private static final String MANIFEST = "MANIFEST.sha256";
  private static final String PROPERTIES = "trainer.properties";

  private TrainerCheckpoints() {}

  /** What a verified checkpoint says about the trainer. */
  record Saved(int format, long step, long rolloutsSpent, TrainerConfig configuration) {}

  static String name(long step) {
    return String.format("step-%09d", step);
  }

  /**
   * Writes a checkpoint of step {@code step} under {@code dir} and returns its path; then, when
   * {@code keepLast} &gt; 0, deletes the complete checkpoints of earlier steps there but the newest
   * {@code keepLast} (counting this one; later steps, left by a run that was resumed from an earlier
   * checkpoint, are not touched). On any failure the temporary directory is removed; an earlier
   * checkpoint of the same step is kept unless the final replace itself fails.
   */
  static Path write(Path dir, long step, long rolloutsSpent, long seed, TrainerConfig configuration, Policy policy,
      Sampler sampler, int keepLast) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name(step));
    Path tmp = dir.resolve("." + name(step) + ".tmp");
    deleteRecursively(tmp);
    try {
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
      ConfigProperties.write(configuration, p);
      try (OutputStream out = Files.newOutputStream(tmp.resolve(PROPERTIES))) {
        p.store(out, "Goldilocks GRPO trainer state");
      }
      StringBuilder manifest = new StringBuilder();
      for (Map.Entry<String, String> e : hashes(tmp).entrySet()) {
        manifest.append(e.getValue()).append("  ").append(e.getKey()).append('\n');
      }
      Files.writeString(tmp.resolve(MANIFEST), manifest.toString());
      syncTree(tmp); // on disk before the rename publishes it (and before older checkpoints are pruned)
      deleteRecursively(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(dir);
    } catch (IOException | RuntimeException e) {
      try {
        deleteRecursively(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    if (keepLast > 0) {
      prune(dir, step, keepLast);
    }
    return target;
  }

  /** Of the complete checkpoints under {@code dir} up to step {@code upTo}, deletes all but the newest {@code keep}. */
  static void prune(Path dir, long upTo, int keep) throws IOException {
    String last = name(upTo);
    List<Path> upToLast = complete(dir).stream().filter(p -> p.getFileName().toString().compareTo(last) <= 0).toList();
    for (int i = 0; i < upToLast.size() - keep; i++) {
      deleteRecursively(upToLast.get(i));
    }
  }

  /** The complete checkpoints under {@code dir}, oldest first. */
  static List<Path> complete(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}") && Files.isRegularFile(p.resolve(MANIFEST)))
          .sorted(java.util.Comparator.comparing(p -> p.getFileName().toString())).toList();
    }
  }

  /** The newest complete checkpoint under {@code dir}, if any. */
  static Optional<Path> latest(Path dir) throws IOException {
    List<Path> all = complete(dir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
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
      int format = Integer.parseInt(p.getProperty("format"));
      if (format < OLDEST_FORMAT || format > FORMAT) {
        throw new IOException(dir + ": unsupported checkpoint format " + format + " (this version reads " + OLDEST_FORMAT + " to "
            + FORMAT + ")");
      }
      long savedSeed = Long.parseLong(p.getProperty("seed"));
      if (savedSeed != seed) {
        throw new IOException(dir + ": checkpoint was written with seed " + savedSeed + ", this trainer has seed " + seed);
      }
      TrainerConfig config = format == 1 ? ConfigProperties.readFormat1(p) : ConfigProperties.readFormat2(p);
      return new Saved(format, Long.parseLong(p.getProperty("step")), Long.parseLong(p.getProperty("rolloutsSpent")), config);
    } catch (NumberFormatException e) {
      throw new IOException(dir + ": corrupt " + PROPERTIES + ": " + e.getMessage(), e);
    } catch (ConfigProperties.Malformed e) {
      throw new IOException(dir + ": corrupt " + PROPERTIES + ": " + e.getMessage(), e);
    }
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

  /** Forces every file and directory under {@code root} to the device. */
  private static void syncTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            c.force(true);
          }
        } else if (Files.isDirectory(p)) {
          syncDirectory(p);
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (IOException e) {
      // some file systems cannot open directories; the files themselves are on disk
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
