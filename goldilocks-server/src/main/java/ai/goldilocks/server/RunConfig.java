package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The options that shape a run's state: a journal or checkpoint written under one configuration
 * must not be replayed under another. Stored at the head of every journal segment and in every
 * checkpoint, and compared option by option on restart.
 *
 * @param pool SHA-256 (first 16 bytes, hex) over the pool's ids and texts in order
 */
record RunConfig(String pool, int groupSize, int candidates, double epsilon, long seed, String teacher,
    double rewardLow, double rewardHigh) {

  /** The fingerprint of a pool's ids and texts, in order. */
  static String poolFingerprint(QuestionPool pool) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] sep = {0};
    for (int i = 0; i < pool.size(); i++) {
      sha.update(pool.id(i).getBytes(StandardCharsets.UTF_8));
      sha.update(sep);
      sha.update(pool.text(i).getBytes(StandardCharsets.UTF_8));
      sha.update(sep);
    }
    byte[] d = sha.digest();
    return HexFormat.of().formatHex(d, 0, 16);
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("pool", pool);
    o.addProperty("groupSize", groupSize);
    o.addProperty("candidates", candidates);
    o.addProperty("epsilon", epsilon);
    o.addProperty("seed", seed);
    o.addProperty("teacher", teacher);
    o.addProperty("rewardLow", rewardLow);
    o.addProperty("rewardHigh", rewardHigh);
    return o;
  }

  /** Reads {@link #toJson}'s form. */
  static RunConfig fromJson(JsonObject o) {
    return new RunConfig(o.get("pool").getAsString(), o.get("groupSize").getAsInt(), o.get("candidates").getAsInt(),
        o.get("epsilon").getAsDouble(), o.get("seed").getAsLong(), o.get("teacher").getAsString(),
        o.get("rewardLow").getAsDouble(), o.get("rewardHigh").getAsDouble());
  }

  /** The options in which {@code stored} (what the state was written with) differs from this one, as sentences. */
  List<String> differencesFrom(RunConfig stored) {
    List<String> out = new ArrayList<>();
    if (!pool.equals(stored.pool)) {
      out.add("the pool (ids and texts) differs: fingerprint " + stored.pool + " in the state, " + pool + " now");
    }
    diff(out, "--group-size", stored.groupSize, groupSize);
    diff(out, "--candidates", stored.candidates, candidates);
    diff(out, "--epsilon", stored.epsilon, epsilon);
    diff(out, "--seed", stored.seed, seed);
    diff(out, "--teacher", stored.teacher, teacher);
    if (stored.rewardLow != rewardLow || stored.rewardHigh != rewardHigh) {
      out.add("--reward-range " + stored.rewardLow + "," + stored.rewardHigh + " in the state, " + rewardLow + ","
          + rewardHigh + " now");
    }
    return out;
  }

  private static void diff(List<String> out, String option, Object stored, Object now) {
    if (!stored.equals(now)) {
      out.add(option + " " + stored + " in the state, " + now + " now");
    }
  }
}
