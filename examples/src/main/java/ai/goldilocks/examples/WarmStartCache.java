package ai.goldilocks.examples;

import ai.goldilocks.djl.TransformerPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised stages of a warm start, each kept in a folder named by the hash of its whole recipe
 * (which includes the stages before it) and reused by every later run and arm with that recipe. A
 * stage's folder holds the weights, the recipe, its seconds, its skipped steps and its own details;
 * it is written beside the cache and moved into place when complete.
 */
final class WarmStartCache {
  private static final Logger LOG = LoggerFactory.getLogger(WarmStartCache.class);

  /** Supervised training of a policy: the stage's details, with "skippedSteps". */
  @FunctionalInterface
  interface Stage {
    Map<String, Object> train(TransformerPolicy p) throws IOException;
  }

  /** A fresh policy for a seed, at a learning rate. */
  @FunctionalInterface
  interface Policies {
    TransformerPolicy create(long seed, double learningRate);
  }

  private final Path cache;
  private final Policies policies;

  WarmStartCache(Path cache, Policies policies) {
    this.cache = cache;
    this.policies = policies;
  }

  /** The cache folder (stages write their temporary files in it too). */
  Path folder() {
    return cache;
  }

  /**
   * One stage trained from {@code start} (or fresh weights) by {@code stage}, or taken from the
   * cache when its recipe is there. Records under {@code info.name} whether it came from the
   * cache, its seconds, skipped steps and the stage's own details; {@code info} itself keeps
   * "cached" (all stages so far were) and the skipped steps of all stages.
   */
  Path cached(String recipe, Map<String, Object> info, String name, Stage stage, long seed, Path start) throws IOException {
    String key = sha256(recipe).substring(0, 16);
    Path dir = cache.resolve("warmstart-" + key);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cacheKey", key);
    info.put(name, m);
    if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("recipe.txt"))
        && Files.readString(dir.resolve("recipe.txt")).equals(recipe)) {
      LOG.info("warm start {} from the cache: {}", name, dir);
      m.put("cached", true);
      m.put("seconds", Double.parseDouble(Files.readString(dir.resolve("seconds.txt")).trim()));
      m.put("skippedSteps", Integer.parseInt(Files.readString(dir.resolve("skipped.txt")).trim()));
      if (Files.isRegularFile(dir.resolve("details.json"))) {
        @SuppressWarnings("unchecked")
        Map<String, Object> details = Json.READER.fromJson(Files.readString(dir.resolve("details.json")), LinkedHashMap.class);
        m.putAll(details);
      }
    } else {
      long t0 = System.nanoTime();
      Path tmp = cache.resolve(".warmstart-" + key + ".tmp");
      Map<String, Object> details;
      Files.createDirectories(cache);
      try (TransformerPolicy p = policies.create(seed, 1e-3)) {
        if (start != null) {
          p.load(start);
        }
        details = new LinkedHashMap<>(stage.train(p));
        Files.createDirectories(tmp);
        p.save(tmp);
      }
      int skipped = (Integer) details.remove("skippedSteps");
      double seconds = (System.nanoTime() - t0) / 1e9;
      Files.writeString(tmp.resolve("seconds.txt"), Double.toString(Json.round(seconds, 1)));
      Files.writeString(tmp.resolve("skipped.txt"), Integer.toString(skipped));
      Files.writeString(tmp.resolve("details.json"), Json.GSON.toJson(details));
      Files.writeString(tmp.resolve("recipe.txt"), recipe);
      ArmRun.replaceDirectory(tmp, dir);
      m.put("cached", false);
      m.put("seconds", Json.round(seconds, 1));
      m.put("skippedSteps", skipped);
      m.putAll(details);
    }
    info.put("cached", Boolean.TRUE.equals(info.getOrDefault("cached", true)) && (Boolean) m.get("cached"));
    info.put("skippedSteps", ((Number) info.getOrDefault("skippedSteps", 0)).intValue() + (Integer) m.get("skippedSteps"));
    return dir;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
