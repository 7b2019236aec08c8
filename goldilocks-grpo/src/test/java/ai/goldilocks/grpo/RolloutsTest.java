package ai.goldilocks.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generation seeds: one per (seed, step, question), and a fresh one for a question rolled out again in a step. */
class RolloutsTest {

  /** A tiny policy that records the seed of every group it generates. */
  private static final class Recording extends TinyPolicy {
    final List<Long> seeds = new ArrayList<>();

    Recording() {
      super(0.5);
    }

    @Override
    public List<Completion> generate(String prompt, int n, SamplingConfig sampling, long seed) {
      seeds.add(seed);
      return super.generate(prompt, n, sampling, seed);
    }
  }

  @Test
  void aQuestionPickedAgainInOneStepGetsItsOwnSeedAndAFirstRolloutKeepsItsSeed() {
    Recording policy = new Recording();
    Rollouts r = new Rollouts(policy, TrainerFixtures.HAS_B, new SamplingConfig(1.0, 1.0, 3), 4, 11, Question::text);
    Selection three = new Selection(TrainerFixtures.POOL.get(3), 3, Double.NaN);
    Selection four = new Selection(TrainerFixtures.POOL.get(4), 4, Double.NaN);
    r.startStep();
    r.rollOutOne(three, 5); // round 1
    r.rollOutOne(four, 5);
    r.rollOutOne(three, 5); // picked again by round 2
    r.rollOutOne(three, 5); // and by round 3
    r.startStep();
    r.rollOutOne(three, 5); // the same step number again (a retried step)
    List<Long> s = policy.seeds;
    long h = 11 * 0x9E3779B97F4A7C15L + 5 * 0xBF58476D1CE4E5B9L + 3;
    assertEquals(h ^ (h >>> 29), s.get(0), "a first rollout's seed is the one it always was");
    assertNotEquals(s.get(0), s.get(2), "a repeat in the step is a new draw, not the same completions again");
    assertNotEquals(s.get(2), s.get(3));
    assertNotEquals(s.get(1), s.get(2));
    assertEquals(s.get(0), s.get(4), "each step starts afresh: a retried or resumed step draws what it drew");
  }
}
