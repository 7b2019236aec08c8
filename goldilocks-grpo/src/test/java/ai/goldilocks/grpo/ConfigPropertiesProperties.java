package ai.goldilocks.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.objective.LossType;
import ai.goldilocks.core.objective.RewardScaling;
import java.util.Properties;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class ConfigPropertiesProperties {

  private static TrainerConfig config(int b, int g, double temperature, double topP, int maxNew, boolean eos, LossType loss,
      double clip, double beta, RewardScaling scaling, boolean mask, double overSample) {
    SamplingConfig sampling = new SamplingConfig(temperature, topP, maxNew, eos ? null : Set.of(maxNew % 7, 11));
    GrpoObjective objective = GrpoObjective.builder().lossType(loss).maxCompletionLength(maxNew).clipLow(clip).clipHigh(clip * 1.4)
        .beta(beta).rewardScaling(scaling).maskTruncated(mask).build();
    TrainerConfig.Filter filter = overSample < 1 ? TrainerConfig.Filter.OFF : new TrainerConfig.Filter(overSample, g);
    return new TrainerConfig(b, g, 1 + b % 3, sampling, objective, filter, "sampler[b=" + b + "]", "policy=" + temperature);
  }

  /** Format 2 reads back every configuration it writes, equal by {@code equals}; nothing differs. */
  @Property(tries = 200)
  void format2RoundTrips(@ForAll @IntRange(min = 1, max = 512) int b, @ForAll @IntRange(min = 2, max = 64) int g,
      @ForAll @DoubleRange(min = 0.01, max = 5) double temperature, @ForAll @DoubleRange(min = 0.01, max = 1) double topP,
      @ForAll @IntRange(min = 1, max = 4096) int maxNew, @ForAll boolean eos, @ForAll LossType loss,
      @ForAll @DoubleRange(min = 0, max = 0.99) double clip, @ForAll @DoubleRange(min = 0, max = 1) double beta,
      @ForAll RewardScaling scaling, @ForAll boolean mask, @ForAll @DoubleRange(min = 0, max = 8) double overSample) throws Exception {
    TrainerConfig c = config(b, g, temperature, topP, maxNew, eos, loss, clip, beta, scaling, mask, overSample);
    Properties p = new Properties();
    ConfigProperties.write(c, p);
    TrainerConfig back = ConfigProperties.readFormat2(p);
    assertEquals(c, back);
    assertEquals(java.util.List.of(), c.differences(back));
  }
}
