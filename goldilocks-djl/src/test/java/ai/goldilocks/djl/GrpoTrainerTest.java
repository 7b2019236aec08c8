package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.objective.GrpoObjective;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.grpo.GrpoTrainer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.StepMetrics;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoTrainerTest {
  static final CharTokenizer TOK = CharTokenizer.arithmetic();
  static final TransformerConfig TINY = new TransformerConfig(TOK.vocabSize(), 32, 1, 4, 64, 32);
  static final QuestionPool POOL = QuestionPool.of(ArithmeticTasks.generate(200, 2, 9, "a").stream()
      .map(t -> t.toQuestion()).collect(Collectors.toList()));

  static TransformerPolicy policy() {
    return TransformerPolicy.builder(TINY, TOK).seed(3).learningRate(1e-3).build();
  }

  static GoldilocksSampler sampler() {
    return GoldilocksSampler.builder(POOL).predictor(FeaturePredictor.builder().build()).updateEvery(8).window(64)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).seed(5).build();
  }

  static GrpoTrainer.Builder trainer(TransformerPolicy p, GoldilocksSampler s, Path dir) {
    return GrpoTrainer.builder(p, s, new ReversedAnswerReward()).batchSize(4).groupSize(4).seed(1)
        .sampling(new SamplingConfig(1.0, 1.0, 4)).objective(GrpoObjective.builder().beta(0.02).build())
        .numIterations(2).metricsFile(dir.resolve("metrics.jsonl")).checkpoints(dir.resolve("ckpt"), 3);
  }

  private static byte[] samplerState(GoldilocksSampler s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    s.saveState(b);
    return b.toByteArray();
  }

  private static String withoutTimes(String jsonl) {
    return jsonl.replaceAll(",\"seconds\":[^}]*", "");
  }

  @Test
  void resumeAfterInterruptEqualsAnUninterruptedRun(@TempDir Path a, @TempDir Path b) throws IOException {
    int[] probe = TOK.encode("12+34=64");
    float[] logitsA;
    byte[] stateA;
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      GrpoTrainer t = trainer(p, s, a).build();
      List<StepMetrics> ms = t.run(6, null);
      assertEquals(6, ms.size());
      assertEquals(6 * 4 * 4, t.rolloutsSpent());
      assertEquals(12, p.version()); // two updates per step
      logitsA = p.logits(probe);
      stateA = samplerState(s);
    }
    // the interrupted run: 4 steps (checkpoint at 3, then a step whose work is lost)
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      trainer(p, s, b).build().run(4, null);
    }
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      GrpoTrainer t = trainer(p, s, b).build();
      Path latest = GrpoTrainer.latestCheckpoint(b.resolve("ckpt")).orElseThrow();
      assertTrue(latest.endsWith("step-000000003"), latest.toString());
      assertEquals(List.of(), t.restoreCheckpoint(latest), "same configuration: nothing differs");
      assertEquals(3, t.stepCount());
      t.run(6, null);
      assertArrayEquals(logitsA, p.logits(probe), 0f);
      assertArrayEquals(stateA, samplerState(s));
    }
    assertEquals(withoutTimes(Files.readString(a.resolve("metrics.jsonl"))), withoutTimes(Files.readString(b.resolve("metrics.jsonl"))));
    assertEquals(6, Files.readAllLines(b.resolve("metrics.jsonl")).size());
  }

  /** A resume under another configuration says what changed (issue 10, item 3). */
  @Test
  void aResumeNamesWhatDiffersFromTheCheckpointsConfiguration(@TempDir Path dir) throws IOException {
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      trainer(p, s, dir).build().run(3, null);
    }
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      GrpoTrainer t = trainer(p, s, dir.resolve("other")).batchSize(2).objective(GrpoObjective.builder().beta(0.05).build()).build();
      List<String> diff = t.restoreCheckpoint(GrpoTrainer.latestCheckpoint(dir.resolve("ckpt")).orElseThrow());
      assertEquals(2, diff.size(), diff.toString());
      assertTrue(diff.get(0).startsWith("batchSize: 4 -> 2"), diff.toString());
      assertTrue(diff.get(1).startsWith("objective: ") && diff.get(1).contains("beta=0.02") && diff.get(1).contains("beta=0.05"),
          diff.toString());
    }
  }

  @Test
  void aCorruptCheckpointIsNamedAndNothingIsLoaded(@TempDir Path dir) throws IOException {
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      GrpoTrainer t = trainer(p, s, dir).build();
      t.run(3, null);
      Path ckpt = GrpoTrainer.latestCheckpoint(dir.resolve("ckpt")).orElseThrow();
      Path weights = ckpt.resolve("policy/model.safetensors");
      byte[] bytes = Files.readAllBytes(weights);
      bytes[bytes.length - 5] ^= 0x10;
      Files.write(weights, bytes);
      try (TransformerPolicy p2 = policy(); GoldilocksSampler s2 = sampler()) {
        GrpoTrainer t2 = trainer(p2, s2, dir.resolve("other")).build();
        float[] before = p2.logits(TOK.encode("1+1=2"));
        byte[] samplerBefore = samplerState(s2);
        IOException e = assertThrows(IOException.class, () -> t2.restoreCheckpoint(ckpt));
        assertTrue(e.getMessage().contains("policy/model.safetensors"), e.getMessage());
        assertArrayEquals(before, p2.logits(TOK.encode("1+1=2")), 0f);
        assertArrayEquals(samplerBefore, samplerState(s2));
        assertEquals(0, t2.stepCount());
      }
    }
  }

  @Test
  void aStepWithANonFiniteLossIsRejectedWithNoUpdate(@TempDir Path dir) throws IOException {
    try (TransformerPolicy p = policy(); UniformSampler s = UniformSampler.builder(POOL).build()) {
      // NaN rewards never reach the loss (feedback rejects them); a KL term can overflow: beta at
      // Double.MAX_VALUE with a policy moved away from its reference makes the loss infinite
      GrpoTrainer t = GrpoTrainer.builder(p, s, (q, c) -> c.sequence().completion().length % 2)
          .batchSize(4).groupSize(4).sampling(new SamplingConfig(1, 1, 4))
          .objective(GrpoObjective.builder().beta(Double.MAX_VALUE).build()).build();
      for (int i = 0; i < 5; i++) {
        p.supervisedStep(List.of(new ai.goldilocks.grpo.Sequence(TOK.encode("1+1="), TOK.encode("2"))));
      }
      long version = p.version();
      int[] probe = TOK.encode("9+9=81");
      float[] before = p.logits(probe);
      IllegalStateException e = assertThrows(IllegalStateException.class, t::step);
      assertTrue(e.getMessage().contains("step 1") && e.getMessage().contains("no update applied"), e.getMessage());
      assertArrayEquals(before, p.logits(probe), 0f);
      assertEquals(version, p.version());
      assertEquals(0, t.stepCount());
    }
  }

  /** A policy whose forward pass breaks down numerically (as an fp16 overflow would): NaN log-probs. */
  static final class BrokenForward implements ai.goldilocks.grpo.Policy {
    final TransformerPolicy delegate;

    BrokenForward(TransformerPolicy delegate) {
      this.delegate = delegate;
    }

    @Override
    public int[] encode(String text) {
      return delegate.encode(text);
    }

    @Override
    public String decode(int[] tokens) {
      return delegate.decode(tokens);
    }

    @Override
    public List<ai.goldilocks.grpo.Completion> generate(String prompt, int n, SamplingConfig sampling, long seed) {
      return delegate.generate(prompt, n, sampling, seed);
    }

    @Override
    public double[][] logProbs(List<ai.goldilocks.grpo.Sequence> sequences, double temperature) {
      return delegate.logProbs(sequences, temperature);
    }

    @Override
    public ai.goldilocks.grpo.TrainStats train(List<ai.goldilocks.grpo.Sequence> sequences, double temperature, Coefficients c) {
      return delegate.train(sequences, temperature, lp -> {
        lp[0][0] = Double.NaN;
        return c.of(lp);
      });
    }

    @Override
    public long version() {
      return delegate.version();
    }

    @Override
    public void close() {}
  }

  @Test
  void aStepWithANanLossIsRejectedWithNoUpdate() throws IOException {
    try (TransformerPolicy p = policy(); UniformSampler s = UniformSampler.builder(POOL).build()) {
      GrpoTrainer t = GrpoTrainer.builder(new BrokenForward(p), s, (q, c) -> c.sequence().completion().length % 2)
          .batchSize(4).groupSize(4).sampling(new SamplingConfig(1, 1, 4)).build();
      int[] probe = TOK.encode("9+9=81");
      float[] before = p.logits(probe);
      IllegalStateException e = assertThrows(IllegalStateException.class, t::step);
      assertTrue(e.getMessage().contains("step 1") && e.getMessage().contains("NaN")
          && e.getMessage().contains("no update applied"), e.getMessage());
      assertArrayEquals(before, p.logits(probe), 0f);
      assertEquals(0, p.version());
      assertEquals(0, t.stepCount());
    }
  }

  @Test
  void aNanRewardInAnyGroupLeavesSamplerPolicyAndCountersAsTheyWere() throws IOException {
    try (TransformerPolicy p = policy(); GoldilocksSampler s = sampler()) {
      int[] calls = {0};
      // the third group's first reward is NaN: the groups before it were already scored
      GrpoTrainer t = GrpoTrainer.builder(p, s, (q, c) -> ++calls[0] == 9 ? Double.NaN : c.text().length() % 2)
          .batchSize(4).groupSize(4).seed(1).sampling(new SamplingConfig(1, 1, 4)).build();
      IllegalStateException e = assertThrows(IllegalStateException.class, t::step);
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      assertEquals(9, calls[0], "the bad reward was the third group's first");
      assertEquals(4, s.metrics().selections(), "the step picked its questions");
      assertEquals(0, s.metrics().feedbackAccepted(), "no feedback reached the sampler");
      assertEquals(0, t.rolloutsSpent());
      assertEquals(0, p.version());
      assertEquals(0, t.stepCount());
    }
  }

  @Test
  void aShortEndToEndRunWithDynamicFilteringCountsEveryRollout(@TempDir Path dir) throws IOException {
    try (TransformerPolicy p = policy(); UniformSampler s = UniformSampler.builder(POOL).seed(2).build()) {
      GrpoTrainer t = GrpoTrainer.builder(p, s, (q, c) -> c.text().length() % 2).batchSize(4).groupSize(4)
          .sampling(new SamplingConfig(1, 1, 4)).dynamicFilter(2.0, 3).build();
      List<StepMetrics> ms = t.run(3, null);
      long groups = s.metrics().feedbackAccepted();
      assertEquals(groups * 4, t.rolloutsSpent());
      for (StepMetrics m : ms) {
        assertTrue(Double.isFinite(m.gradNorm()) || Double.isNaN(m.loss()));
      }
    }
  }
}
