package ai.goldilocks.grpo;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.sampler.UniformSampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The small trainer set-up the grpo tests share (and the one the format-1 checkpoint fixture was written with). */
final class TrainerFixtures {
  private TrainerFixtures() {}

  static final QuestionPool POOL = pool(40);

  static QuestionPool pool(int n) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      qs.add(new Question("q" + i, "question " + i));
    }
    return QuestionPool.of(qs);
  }

  /** Reward 1 when the completion's text holds a 'b', else 0: learnable by {@link TinyPolicy}. */
  static final RewardFunction HAS_B = (q, c) -> c.text().indexOf('b') >= 0 ? 1 : 0;

  static Sampler sampler() {
    return UniformSampler.builder(POOL).seed(3).build();
  }

  static TinyPolicy.WithCheckpoints policy() {
    return new TinyPolicy.WithCheckpoints(0.5);
  }

  /** B 4, G 4, two updates per step, beta 0.02, a checkpoint every 2 steps into dir/ckpt, metrics into dir/metrics.jsonl. */
  static GrpoTrainer.Builder trainer(Policy policy, Sampler sampler, Path dir) {
    return GrpoTrainer.builder(policy, sampler, HAS_B).batchSize(4).groupSize(4).seed(11).numIterations(2)
        .sampling(new SamplingConfig(1.0, 1.0, 3)).objective(GrpoObjective.builder().beta(0.02).build())
        .metricsFile(dir.resolve("metrics.jsonl")).checkpoints(dir.resolve("ckpt"), 2);
  }
}
