package ai.goldilocks.grpo;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.Selection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The trainer's rollouts: prompts, generation seeds derived from (seed, step, question, and for a
 * question rolled out again in the same step, the repeat), the
 * policy's completions, their rewards, and the rollout and token counters. A group is checked
 * before it is counted: the policy must return G completions and the reward function finite
 * rewards, else the call throws naming the question and nothing is counted.
 */
final class Rollouts {
  private final Policy policy;
  private final RewardFunction reward;
  private final SamplingConfig sampling;
  private final int groupSize;
  private final long seed;
  private final Function<Question, String> prompt;
  private long spent;
  private long stepTokens;
  /** Rollouts of each question (by pool index) in this step: dynamic filtering's later rounds may pick one again. */
  private final Map<Integer, Integer> rolledOutThisStep = new HashMap<>();

  Rollouts(Policy policy, RewardFunction reward, SamplingConfig sampling, int groupSize, long seed, Function<Question, String> prompt) {
    this.policy = policy;
    this.reward = reward;
    this.sampling = sampling;
    this.groupSize = groupSize;
    this.seed = seed;
    this.prompt = prompt;
  }

  /** Rollouts generated so far. */
  long spent() {
    return spent;
  }

  /** Sets the rollout counter (a restore). */
  void restoreSpent(long spent) {
    this.spent = spent;
  }

  /** Completion tokens generated since {@link #startStep()}. */
  long stepTokens() {
    return stepTokens;
  }

  void startStep() {
    stepTokens = 0;
    rolledOutThisStep.clear();
  }

  /**
   * The seed of a question's group at a step. A question rolled out again in the same step (picked
   * again by a later round of dynamic filtering) gets a seed of its own for each repeat: the same
   * seed would give the same completions, a zero-variance group dropped again or a kept group
   * trained on twice. The first rollout's seed is what it always was.
   */
  private long generationSeed(long step, Selection s) {
    long h = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + s.poolIndex();
    int again = rolledOutThisStep.merge(s.poolIndex(), 1, Integer::sum) - 1;
    if (again > 0) {
      h = (h ^ again * 0x94D049BB133111EBL) * 0xBF58476D1CE4E5B9L;
    }
    return h ^ (h >>> 29);
  }

  private String promptOf(Selection s) {
    String text = prompt.apply(s.question());
    if (text == null) {
      throw new IllegalStateException("the prompt function returned null for question '" + s.question().id() + "'");
    }
    return text;
  }

  /**
   * The groups of {@code picks}, sampled in one {@link Policy#generateGroups} call at trainer step
   * {@code step} (the number of steps completed before this one), scored and counted.
   *
   * @throws IllegalStateException naming the question when the policy returns the wrong number of
   *     groups or completions or a reward is not finite; nothing is counted then
   */
  List<RolloutGroup> rollOut(List<Selection> picks, long step) {
    List<String> prompts = new ArrayList<>(picks.size());
    long[] seeds = new long[picks.size()];
    for (int i = 0; i < seeds.length; i++) {
      prompts.add(promptOf(picks.get(i)));
      seeds[i] = generationSeed(step, picks.get(i));
    }
    List<List<Completion>> all = policy.generateGroups(prompts, groupSize, sampling, seeds);
    if (all.size() != picks.size()) {
      throw new IllegalStateException("the policy returned " + all.size() + " groups for " + picks.size() + " prompts");
    }
    List<RolloutGroup> out = new ArrayList<>(picks.size());
    for (int i = 0; i < seeds.length; i++) {
      out.add(scored(picks.get(i), all.get(i)));
    }
    return counted(out);
  }

  /**
   * The group of one pick, sampled with {@link Policy#generate} (what dynamic filtering's rounds
   * use, question by question, as the trainer always did: their trajectories stay as they were).
   *
   * @throws IllegalStateException as {@link #rollOut(List, long)}
   */
  RolloutGroup rollOutOne(Selection pick, long step) {
    List<Completion> cs = policy.generate(promptOf(pick), groupSize, sampling, generationSeed(step, pick));
    return counted(List.of(scored(pick, cs))).get(0);
  }

  /** Counts checked and scored groups (only then: a bad group leaves the counters as they were). */
  private List<RolloutGroup> counted(List<RolloutGroup> out) {
    for (RolloutGroup g : out) {
      spent += g.rewards().length;
      for (Completion c : g.completions()) {
        stepTokens += c.sequence().completion().length;
      }
    }
    return out;
  }

  private RolloutGroup scored(Selection s, List<Completion> cs) {
    Question q = s.question();
    if (cs == null || cs.size() != groupSize) {
      throw new IllegalStateException("the policy returned " + (cs == null ? "no list" : cs.size()) + " completions for question '"
          + q.id() + "', the group size is " + groupSize);
    }
    double[] r = new double[cs.size()];
    for (int j = 0; j < r.length; j++) {
      r[j] = reward.score(q, cs.get(j));
      if (!Double.isFinite(r[j])) {
        throw new IllegalStateException("reward of question '" + q.id() + "' completion " + j + " is " + r[j]);
      }
    }
    return new RolloutGroup(s, cs, r);
  }
}
