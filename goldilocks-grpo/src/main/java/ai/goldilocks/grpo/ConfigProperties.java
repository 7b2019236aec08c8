package ai.goldilocks.grpo;

import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.objective.LossType;
import ai.goldilocks.core.objective.RewardScaling;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link TrainerConfig} as {@code config.*} entries of a checkpoint's {@code trainer.properties}:
 * format 2 writes one entry per setting (doubles as {@link Double#toString}, which reads back
 * exactly); format 1 (before issue 30) wrote one {@code toString()} per component, which
 * {@link #readFormat1} parses back.
 */
final class ConfigProperties {
  private ConfigProperties() {}

  /** Thrown for an entry that is missing or does not parse; the message names the key. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  static void write(TrainerConfig c, Properties p) {
    p.setProperty("config.batchSize", Integer.toString(c.batchSize()));
    p.setProperty("config.groupSize", Integer.toString(c.groupSize()));
    p.setProperty("config.numIterations", Integer.toString(c.numIterations()));
    SamplingConfig s = c.sampling();
    p.setProperty("config.sampling.temperature", Double.toString(s.temperature()));
    p.setProperty("config.sampling.topP", Double.toString(s.topP()));
    p.setProperty("config.sampling.maxNewTokens", Integer.toString(s.maxNewTokens()));
    p.setProperty("config.sampling.stopTokens", s.stopTokens() == null ? "eos" : joined(s.stopTokens()));
    GrpoObjective o = c.objective();
    p.setProperty("config.objective.lossType", o.lossType().name());
    p.setProperty("config.objective.clipLow", Double.toString(o.clipLow()));
    p.setProperty("config.objective.clipHigh", Double.toString(o.clipHigh()));
    p.setProperty("config.objective.beta", Double.toString(o.beta()));
    p.setProperty("config.objective.rewardScaling", o.rewardScaling().name());
    p.setProperty("config.objective.advantageEpsilon", Double.toString(o.advantageEpsilon()));
    p.setProperty("config.objective.maskTruncated", Boolean.toString(o.maskTruncated()));
    p.setProperty("config.objective.maxCompletionLength", Integer.toString(o.maxCompletionLength()));
    p.setProperty("config.dynamicFilter.overSample", Double.toString(c.dynamicFilter().overSample()));
    p.setProperty("config.dynamicFilter.maxRounds", Integer.toString(c.dynamicFilter().maxRounds()));
    p.setProperty("config.sampler", c.sampler());
    p.setProperty("config.policy", c.policy());
  }

  private static String joined(Set<Integer> tokens) {
    StringBuilder b = new StringBuilder();
    for (int t : new java.util.TreeSet<>(tokens)) {
      b.append(b.length() == 0 ? "" : ",").append(t);
    }
    return b.toString();
  }

  static TrainerConfig readFormat2(Properties p) throws Malformed {
    try {
      SamplingConfig sampling = new SamplingConfig(dbl(p, "config.sampling.temperature"), dbl(p, "config.sampling.topP"),
          integer(p, "config.sampling.maxNewTokens"), stopTokens(get(p, "config.sampling.stopTokens")));
      GrpoObjective objective = GrpoObjective.builder().lossType(LossType.valueOf(get(p, "config.objective.lossType")))
          .clipLow(dbl(p, "config.objective.clipLow")).clipHigh(dbl(p, "config.objective.clipHigh"))
          .beta(dbl(p, "config.objective.beta")).rewardScaling(RewardScaling.valueOf(get(p, "config.objective.rewardScaling")))
          .advantageEpsilon(dbl(p, "config.objective.advantageEpsilon"))
          .maskTruncated(Boolean.parseBoolean(get(p, "config.objective.maskTruncated")))
          .maxCompletionLength(integer(p, "config.objective.maxCompletionLength")).build();
      TrainerConfig.Filter filter = new TrainerConfig.Filter(dbl(p, "config.dynamicFilter.overSample"),
          integer(p, "config.dynamicFilter.maxRounds"));
      return new TrainerConfig(integer(p, "config.batchSize"), integer(p, "config.groupSize"), integer(p, "config.numIterations"),
          sampling, objective, filter, get(p, "config.sampler"), get(p, "config.policy"));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new Malformed("config: " + e.getMessage());
    }
  }

  private static final Pattern SAMPLING_1 =
      Pattern.compile("temperature=(\\S+), topP=(\\S+), maxNewTokens=(\\d+), stopTokens=(eos|\\[[0-9, ]*\\])");
  private static final Pattern OBJECTIVE_1 = Pattern.compile("GrpoObjective\\[(\\w+), clip=\\((\\S+), (\\S+)\\), beta=(\\S+), "
      + "scaling=(\\w+), advantageEpsilon=(\\S+), maskTruncated=(true|false), maxCompletionLength=(\\d+)\\]");
  private static final Pattern FILTER_1 = Pattern.compile("DynamicFilter\\[overSample=(\\S+), maxRounds=(\\d+)\\]");

  /** The configuration a format-1 checkpoint recorded, parsed from its {@code toString()} entries. */
  static TrainerConfig readFormat1(Properties p) throws Malformed {
    Matcher s = match(SAMPLING_1, p, "config.sampling");
    Matcher o = match(OBJECTIVE_1, p, "config.objective");
    String f = get(p, "config.dynamicFilter");
    TrainerConfig.Filter filter = TrainerConfig.Filter.OFF;
    if (!f.equals("off")) {
      Matcher m = FILTER_1.matcher(f);
      if (!m.matches()) {
        throw new Malformed("config.dynamicFilter is not 'off' nor DynamicFilter[...]: " + f);
      }
      filter = new TrainerConfig.Filter(Double.parseDouble(m.group(1)), Integer.parseInt(m.group(2)));
    }
    try {
      String stop = s.group(4);
      SamplingConfig sampling = new SamplingConfig(Double.parseDouble(s.group(1)), Double.parseDouble(s.group(2)),
          Integer.parseInt(s.group(3)), stopTokens(stop.equals("eos") ? stop : stop.substring(1, stop.length() - 1).replace(" ", "")));
      GrpoObjective objective = GrpoObjective.builder().lossType(LossType.valueOf(o.group(1))).clipLow(Double.parseDouble(o.group(2)))
          .clipHigh(Double.parseDouble(o.group(3))).beta(Double.parseDouble(o.group(4))).rewardScaling(RewardScaling.valueOf(o.group(5)))
          .advantageEpsilon(Double.parseDouble(o.group(6))).maskTruncated(Boolean.parseBoolean(o.group(7)))
          .maxCompletionLength(Integer.parseInt(o.group(8))).build();
      return new TrainerConfig(integer(p, "config.batchSize"), integer(p, "config.groupSize"), integer(p, "config.numIterations"),
          sampling, objective, filter, get(p, "config.sampler"), get(p, "config.policy"));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new Malformed("config (format 1): " + e.getMessage());
    }
  }

  private static Matcher match(Pattern pattern, Properties p, String key) throws Malformed {
    String v = get(p, key);
    Matcher m = pattern.matcher(v);
    if (!m.matches()) {
      throw new Malformed(key + " does not read as format 1 wrote it: " + v);
    }
    return m;
  }

  private static Set<Integer> stopTokens(String v) {
    if (v.equals("eos")) {
      return null;
    }
    Set<Integer> out = new LinkedHashSet<>();
    for (String t : v.split(",")) {
      if (!t.isEmpty()) {
        out.add(Integer.parseInt(t));
      }
    }
    return out;
  }

  private static String get(Properties p, String key) throws Malformed {
    String v = p.getProperty(key);
    if (v == null) {
      throw new Malformed(key + " is missing");
    }
    return v;
  }

  private static double dbl(Properties p, String key) throws Malformed {
    try {
      return Double.parseDouble(get(p, key));
    } catch (NumberFormatException e) {
      throw new Malformed(key + " is not a number: " + p.getProperty(key));
    }
  }

  private static int integer(Properties p, String key) throws Malformed {
    try {
      return Integer.parseInt(get(p, key));
    } catch (NumberFormatException e) {
      throw new Malformed(key + " is not an integer: " + p.getProperty(key));
    }
  }
}
