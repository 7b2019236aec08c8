package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.testing.SamplerContract;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoldilocksSamplerTest extends SamplerContract {
  @Override
  protected Sampler create(QuestionPool pool, long seed, long maxPolicyLag) {
    return GoldilocksSampler.builder(pool).seed(seed).maxPolicyLag(maxPolicyLag)
        .predictor(FeaturePredictor.builder().seed(seed).build())
        .updateEvery(16).window(128).updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build();
  }

  @Test
  void recordsTeacherMaeOnUnseenSamplesBeforeEachUpdate() {
    QuestionPool pool = pool(200);
    try (GoldilocksSampler s = (GoldilocksSampler) create(pool, 1, Long.MAX_VALUE)) {
      for (int round = 0; round < 8; round++) {
        for (Selection sel : s.next(8)) {
          s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
        }
      }
      // 64 samples, an update every 16: 4 updates, 4 MAE measurements
      assertEquals(4, s.metrics().teacherUpdates());
      List<double[]> h = s.maeHistory();
      assertEquals(4, h.size());
      assertEquals(16.0, h.get(0)[0]);
      assertEquals(64.0, h.get(3)[0]);
      for (double[] row : h) {
        assertTrue(row[1] >= 0 && row[1] <= 0.5, "MAE " + row[1]);
      }
      assertEquals(h.get(3)[1], s.metrics().teacherMaeUnseen());
    }
  }

  @Test
  void asynchronousUpdatesHappenOffTheCallersThread() {
    QuestionPool pool = pool(200);
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build())
        .updateEvery(8).window(64).build()) {
      for (int round = 0; round < 4; round++) {
        for (Selection sel : s.next(8)) {
          s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
        }
      }
      s.awaitUpdates();
      long updates = s.metrics().teacherUpdates();
      assertTrue(updates >= 1 && updates <= 4, "updates " + updates);
      assertFalse(Double.isNaN(s.metrics().teacherMaeUnseen()));
    }
  }

  @Test
  void builderRejectsBadSettingsNamingThem() {
    QuestionPool pool = pool(10);
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).candidates(0));
    assertTrue(k.getMessage().contains("candidates"));
    assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).epsilon(1.5));
    try (GoldilocksSampler byDefault = GoldilocksSampler.builder(pool).build()) {
      assertTrue(byDefault.predictor() instanceof FeaturePredictor, "the default teacher is the feature MLP");
    }
    assertThrows(IllegalStateException.class,
        () -> GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).window(8).updateEvery(16).build());
  }

  @Test
  void absurdSizesAndOverflowingRangesAreRefusedUpFront() {
    QuestionPool pool = pool(10);
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
        () -> GoldilocksSampler.builder(pool).candidates(Integer.MAX_VALUE));
    assertTrue(k.getMessage().contains("candidates"), k.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).window(Integer.MAX_VALUE));
    IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
        () -> GoldilocksSampler.builder(pool).rewardRange(-1e308, 1e308));
    assertTrue(wide.getMessage().contains("overflows"), wide.getMessage());
  }

  @Test
  void aStateSavedWithAnotherRewardRangeIsRefused() throws Exception {
    QuestionPool pool = pool(50);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).rewardRange(0, 1).build()) {
      s.saveState(out);
    }
    try (GoldilocksSampler t = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).rewardRange(-1, 1).build()) {
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> t.restoreState(new java.io.ByteArrayInputStream(out.toByteArray())));
      assertTrue(e.getMessage().contains("rewardLow: state 0.0, this sampler -1.0"), e.getMessage());
    }
  }

  /** A teacher that rules out even-indexed questions (utility 0) and rates odd ones 0.3. */
  private static ai.goldilocks.core.spi.UtilityPredictor oddOnly() {
    return new ai.goldilocks.core.spi.UtilityPredictor() {
      @Override
      public String name() {
        return "odd-only";
      }

      @Override
      public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
        for (int j = 0; j < count; j++) {
          out[j] = candidates[j] % 2 == 0 ? 0.0 : 0.3;
        }
      }

      @Override
      public void train(QuestionPool p, TrainingExamples examples, int epochs) {}

      @Override
      public void writeState(java.io.DataOutput out) {}

      @Override
      public void readState(java.io.DataInput in) {}
    };
  }

  /**
   * Every pick explores (epsilon 1): proportional exploration never takes a ruled-out question (unless
   * all 32 candidates are, chance 2^-32 per pick), uniform does.
   */
  @Test
  void proportionalExplorationSkipsWhatTheTeacherRulesOut() {
    QuestionPool pool = pool(1000);
    int[] even = new int[2];
    for (GoldilocksSampler.Exploration e : GoldilocksSampler.Exploration.values()) {
      try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(oddOnly()).epsilon(1.0).candidates(32)
          .exploration(e).seed(9).build()) {
        for (Selection x : s.next(200)) {
          even[e.ordinal()] += x.poolIndex() % 2 == 0 ? 1 : 0;
        }
      }
    }
    assertEquals(0, even[GoldilocksSampler.Exploration.PROPORTIONAL.ordinal()]);
    // uniform: about half of 200 picks; the chance of fewer than 60 is below 1e-8
    assertTrue(even[GoldilocksSampler.Exploration.UNIFORM.ordinal()] > 60, "uniform exploration took " + even[0] + " even questions");
  }

  /** Feedback after close is refused before anything is counted, so a retry elsewhere is not a "duplicate". */
  @Test
  void feedbackAfterCloseIsRefusedWithoutCounting() {
    QuestionPool pool = pool(50);
    GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).updateEvery(1).window(8).build();
    Selection sel = s.next(1).get(0);
    s.close();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> s.feedback(new RolloutFeedback(sel.question().id(), new double[] {1, 0}, 0)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertEquals(0, s.metrics().feedbackAccepted());
    assertEquals(0, s.metrics().duplicateFeedback());
  }

  /** A teacher whose training throws: the feedback is accepted once, the failure is counted, not lost. */
  @Test
  void aFailingTeacherUpdateIsCountedAndTheFeedbackKept() {
    QuestionPool pool = pool(50);
    ai.goldilocks.core.spi.UtilityPredictor failing = new ai.goldilocks.core.spi.UtilityPredictor() {
      @Override
      public String name() {
        return "failing";
      }

      @Override
      public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
        java.util.Arrays.fill(out, 0, count, 0.25);
      }

      @Override
      public void train(QuestionPool p, TrainingExamples examples, int epochs) {
        throw new IllegalStateException("out of memory on the teacher's device");
      }

      @Override
      public void writeState(java.io.DataOutput out) {}

      @Override
      public void readState(java.io.DataInput in) {}
    };
    for (GoldilocksSampler.UpdateMode mode : GoldilocksSampler.UpdateMode.values()) {
      try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(failing).updateEvery(2).window(8).updateMode(mode).build()) {
        List<Selection> sel = s.next(4);
        for (Selection x : sel) {
          assertEquals(ai.goldilocks.core.FeedbackStatus.ACCEPTED, s.feedback(new RolloutFeedback(x.question().id(), new double[] {1, 0}, 0)));
        }
        s.awaitUpdates();
        assertEquals(4, s.metrics().feedbackAccepted(), mode.toString());
        long failures = s.metrics().teacherFailures();
        // synchronous: both updates ran and failed; asynchronous: queued updates may coalesce
        assertTrue(mode == GoldilocksSampler.UpdateMode.SYNCHRONOUS ? failures == 2 : failures >= 1 && failures <= 2, mode + ": " + failures);
        assertEquals(0, s.metrics().teacherUpdates(), mode.toString());
        // a retry of the same feedback is a duplicate, as it should be: it was counted once
        assertEquals(ai.goldilocks.core.FeedbackStatus.IGNORED_DUPLICATE,
            s.feedback(new RolloutFeedback(sel.get(0).question().id(), new double[] {1, 0}, 0)));
      }
    }
  }

  /** A teacher whose training blocks until released; counts and signals its updates. */
  private static final class GatedTeacher implements ai.goldilocks.core.spi.UtilityPredictor {
    final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
    final java.util.concurrent.Semaphore release = new java.util.concurrent.Semaphore(0);
    final java.util.List<Integer> fresh = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
      java.util.Arrays.fill(out, 0, count, 0.25);
    }

    @Override
    public void train(QuestionPool p, TrainingExamples examples, int epochs) {
      fresh.add(examples.fresh());
      entered.release();
      release.acquireUninterruptibly();
    }

    @Override
    public void writeState(java.io.DataOutput out) {}

    @Override
    public void readState(java.io.DataInput in) {}
  }

  @Test
  void aTeacherFallingBehindIsVisibleInTheMetrics() throws Exception {
    QuestionPool pool = pool(500);
    GatedTeacher teacher = new GatedTeacher();
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(teacher).updateEvery(8).window(64)
        .maxTeacherLag(Integer.MAX_VALUE).build()) {
      feed(s, 8, 0);
      assertTrue(teacher.entered.tryAcquire(1, java.util.concurrent.TimeUnit.MINUTES)); // update 1 runs, blocked
      feed(s, 8, 1); // update 2 due: queued
      feed(s, 8, 2); // update 3 due: merged into update 2
      feed(s, 3, 3); // not due yet
      var m = s.metrics();
      assertEquals(27, m.teacherLagSamples(), "8 in flight, 16 queued, 3 pending");
      assertEquals(1, m.teacherUpdatesMerged());
      assertEquals(0, m.teacherUpdates());
      assertEquals(0, m.teacherWaits());
      teacher.release.release(2);
      s.awaitUpdates();
      m = s.metrics();
      assertEquals(2, m.teacherUpdates());
      assertEquals(3, m.teacherLagSamples(), "only the samples of no due update are left");
      assertEquals(List.of(8, 16), teacher.fresh, "the merged update trained on both batches");
    }
  }

  @Test
  void aBoundedLagMakesAFastHostWaitForTheTeacherAndMergesNothing() throws Exception {
    QuestionPool pool = pool(500);
    GatedTeacher teacher = new GatedTeacher();
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(teacher).updateEvery(8).window(64).build()) {
      // the default bound is 2 * updateEvery = 16; a second host thread feeds 40 samples as fast as it can
      java.util.concurrent.atomic.AtomicLong maxLag = new java.util.concurrent.atomic.AtomicLong();
      Thread host = new Thread(() -> {
        for (int round = 0; round < 5; round++) {
          feed(s, 8, round);
          maxLag.accumulateAndGet(s.metrics().teacherLagSamples(), Math::max);
        }
      });
      host.start();
      for (int update = 0; update < 5; update++) {
        assertTrue(teacher.entered.tryAcquire(1, java.util.concurrent.TimeUnit.MINUTES), "update " + update + " started");
        // while this update is blocked, the host can run at most one update ahead
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.metrics().teacherLagSamples() < Math.min(16, 40 - 8L * update) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        assertTrue(s.metrics().teacherLagSamples() <= 17, "lag " + s.metrics().teacherLagSamples());
        teacher.release.release();
      }
      host.join(60_000);
      s.awaitUpdates();
      var m = s.metrics();
      assertEquals(5, m.teacherUpdates(), "every due update ran");
      assertEquals(0, m.teacherUpdatesMerged());
      assertTrue(m.teacherWaits() >= 1, "the host waited");
      assertTrue(maxLag.get() <= 16, "lag after a feedback returned: " + maxLag.get());
      assertEquals(List.of(8, 8, 8, 8, 8), teacher.fresh);
    }
  }

  @Test
  void aLagBoundBelowUpdateEveryIsRefused() {
    QuestionPool pool = pool(50);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> GoldilocksSampler.builder(pool).updateEvery(16).maxTeacherLag(8).build());
    assertTrue(e.getMessage().contains("maxTeacherLag (8)") && e.getMessage().contains("updateEvery (16)"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GoldilocksSampler.builder(pool).maxTeacherLag(0));
  }

  private static void feed(GoldilocksSampler s, int n, int round) {
    for (Selection sel : s.next(n)) {
      s.feedback(new RolloutFeedback(sel.question().id(), rewards(sel, round, 8), round));
    }
  }

  /** Today's complaint: a state saved with K 4 restored silently into a sampler with K 16. */
  @Test
  void aStateOfOtherSettingsIsRefusedNamingEachFieldAndBothValues() throws Exception {
    QuestionPool pool = pool(60);
    java.io.ByteArrayOutputStream saved = new java.io.ByteArrayOutputStream();
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).candidates(4).window(64).epsilon(0.2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      feed(s, 8, 0);
      s.saveState(saved);
    }
    try (GoldilocksSampler t = GoldilocksSampler.builder(pool).candidates(16).window(128).epsilon(0.2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      java.io.ByteArrayOutputStream before = new java.io.ByteArrayOutputStream();
      t.saveState(before);
      java.io.IOException e = assertThrows(java.io.IOException.class,
          () -> t.restoreState(new java.io.ByteArrayInputStream(saved.toByteArray())));
      assertTrue(e.getMessage().contains("candidates: state 4, this sampler 16"), e.getMessage());
      assertTrue(e.getMessage().contains("window: state 64, this sampler 128"), e.getMessage());
      assertFalse(e.getMessage().contains("epsilon"), e.getMessage());
      java.io.ByteArrayOutputStream after = new java.io.ByteArrayOutputStream();
      t.saveState(after);
      org.junit.jupiter.api.Assertions.assertArrayEquals(before.toByteArray(), after.toByteArray());
    }
    // the same settings restore; the configuration is a record compared with equals
    try (GoldilocksSampler u = GoldilocksSampler.builder(pool).candidates(4).window(64).epsilon(0.2)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      u.restoreState(new java.io.ByteArrayInputStream(saved.toByteArray()));
      assertEquals(new GoldilocksSampler.Config(4, 0.2, 64, 64, 3, GoldilocksSampler.Exploration.PROPORTIONAL, "features-mlp",
          0, 0, 1, Long.MAX_VALUE), u.config());
    }
  }

  /** A teacher that counts its close calls. */
  private static final class ClosableTeacher implements ai.goldilocks.core.spi.FixedUtilityPredictor {
    final java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String name() {
      return "closable";
    }

    @Override
    public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
      java.util.Arrays.fill(out, 0, count, 0.25);
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void theSamplerClosesItsTeacherUnlessToldItIsShared() {
    QuestionPool pool = pool(30);
    for (GoldilocksSampler.UpdateMode mode : GoldilocksSampler.UpdateMode.values()) {
      ClosableTeacher owned = new ClosableTeacher();
      GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(owned).updateEvery(2).window(8).updateMode(mode).build();
      feed(s, 4, 0);
      s.close();
      assertEquals(1, owned.closed.get(), mode.toString());
      ClosableTeacher shared = new ClosableTeacher();
      try (GoldilocksSampler a = GoldilocksSampler.builder(pool).predictor(shared).closeTeacher(false).updateMode(mode).build();
          GoldilocksSampler b = GoldilocksSampler.builder(pool).predictor(shared).closeTeacher(false).updateMode(mode).build()) {
        feed(a, 2, 0);
        feed(b, 2, 0);
      }
      assertEquals(0, shared.closed.get(), mode.toString());
    }
  }

  @Test
  void updatesRunOnTheInjectedExecutorAndADirectOneEqualsSynchronous() throws Exception {
    QuestionPool pool = pool(200);
    java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService host = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.concurrent.Executor counting = r -> {
      tasks.incrementAndGet();
      host.execute(r);
    };
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder().build()).updateEvery(8)
        .window(64).executor(counting).build()) {
      for (int round = 0; round < 4; round++) {
        feed(s, 8, round);
      }
      s.awaitUpdates();
      assertEquals(tasks.get(), s.metrics().teacherUpdates() + s.metrics().teacherFailures());
      assertTrue(tasks.get() >= 1, "tasks " + tasks.get());
    } finally {
      host.shutdown();
    }
    assertFalse(host.isTerminated() && tasks.get() == 0);
    List<String> direct = new java.util.ArrayList<>();
    List<String> synchronous = new java.util.ArrayList<>();
    try (GoldilocksSampler a = GoldilocksSampler.builder(pool).seed(4).updateEvery(8).window(64).executor(Runnable::run).build();
        GoldilocksSampler b = GoldilocksSampler.builder(pool).seed(4).updateEvery(8).window(64)
            .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      for (int round = 0; round < 6; round++) {
        for (Selection x : a.next(8)) {
          direct.add(x.question().id() + "@" + x.predictedUtility());
          a.feedback(new RolloutFeedback(x.question().id(), rewards(x, round, 8), round));
        }
        for (Selection x : b.next(8)) {
          synchronous.add(x.question().id() + "@" + x.predictedUtility());
          b.feedback(new RolloutFeedback(x.question().id(), rewards(x, round, 8), round));
        }
      }
      assertEquals(6, a.metrics().teacherUpdates());
    }
    assertEquals(synchronous, direct);
  }

  @Test
  void anExecutorThatRefusesCountsAFailureAndKeepsTheSamples() {
    QuestionPool pool = pool(100);
    java.util.concurrent.Executor refusing = r -> {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    };
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).updateEvery(4).window(16).executor(refusing)
        .maxTeacherLag(Integer.MAX_VALUE).build()) {
      feed(s, 8, 0);
      var m = s.metrics();
      assertEquals(8, m.feedbackAccepted());
      assertEquals(2, m.teacherFailures());
      assertEquals(8, m.teacherLagSamples(), "the samples wait for the next update");
      s.awaitUpdates(); // nothing scheduled: returns
    }
  }

  @Test
  void predictsOneQuestionsSuccessRateAndUtilityById() {
    QuestionPool pool = pool(120);
    try (GoldilocksSampler s = (GoldilocksSampler) create(pool, 2, Long.MAX_VALUE)) {
      for (int round = 0; round < 6; round++) {
        feed(s, 8, round);
      }
      for (Selection x : s.next(5)) {
        GoldilocksSampler.Prediction p = s.predict(x.question().id());
        assertEquals(x.question().id(), p.questionId());
        assertEquals(x.predictedUtility(), p.utility(), 0.0, "the same teacher served the pick");
        assertTrue(p.successRate() >= 0 && p.successRate() <= 1, "p " + p.successRate());
        // binary rewards: the utility is sqrt(p (1 - p)) of the success-rate head
        assertEquals(Math.sqrt(p.successRate() * (1 - p.successRate())), p.utility(), 1e-12);
      }
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> s.predict("no-such-id"));
      assertTrue(unknown.getMessage().contains("no-such-id"), unknown.getMessage());
      s.close();
      assertThrows(IllegalStateException.class, () -> s.predict(pool.id(0)));
    }
    try (GoldilocksSampler u = GoldilocksSampler.builder(pool).predictor(FeaturePredictor.builder()
        .target(ai.goldilocks.core.predictor.TeacherTarget.UTILITY).build()).build()) {
      GoldilocksSampler.Prediction p = u.predict(pool.id(3));
      assertTrue(Double.isNaN(p.successRate()), "a utility head cannot tell p from 1 - p");
      assertTrue(p.utility() >= 0 && p.utility() <= 0.5);
    }
  }

  /** A host that picks questions itself registers them, and its feedback is then learned from. */
  @Test
  void aHostPickingItsOwnQuestionsRegistersThemFirst() {
    QuestionPool pool = pool(50);
    try (GoldilocksSampler s = (GoldilocksSampler) create(pool, 1, Long.MAX_VALUE)) {
      RolloutFeedback own = new RolloutFeedback(pool.id(7), new double[] {1, 0}, 0);
      assertEquals(ai.goldilocks.core.FeedbackStatus.IGNORED_NOT_HANDED_OUT, s.feedback(own));
      s.markHandedOut(List.of(pool.id(7)));
      assertEquals(ai.goldilocks.core.FeedbackStatus.ACCEPTED, s.feedback(own));
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> s.markHandedOut(List.of(pool.id(1), "zz")));
      assertTrue(bad.getMessage().contains("ids[1]") && bad.getMessage().contains("'zz'"), bad.getMessage());
      assertEquals(1, s.metrics().selections(), "nothing of the refused list was marked");
    }
  }

  /** A teacher that does not learn writes name and predict only; its state is empty. */
  @Test
  void aFixedTeacherNeedsNoEmptyMethods() throws Exception {
    QuestionPool pool = pool(40);
    ai.goldilocks.core.spi.FixedUtilityPredictor fixed = new ai.goldilocks.core.spi.FixedUtilityPredictor() {
      @Override
      public String name() {
        return "fixed";
      }

      @Override
      public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
        for (int j = 0; j < count; j++) {
          out[j] = candidates[j] % 5 / 10.0;
        }
      }
    };
    java.io.ByteArrayOutputStream state = new java.io.ByteArrayOutputStream();
    try (GoldilocksSampler s = GoldilocksSampler.builder(pool).predictor(fixed).updateEvery(4).window(8)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      feed(s, 8, 0);
      assertEquals(2, s.metrics().teacherUpdates());
      s.saveState(state);
    }
    try (GoldilocksSampler t = GoldilocksSampler.builder(pool).predictor(fixed).updateEvery(4).window(8)
        .updateMode(GoldilocksSampler.UpdateMode.SYNCHRONOUS).build()) {
      t.restoreState(new java.io.ByteArrayInputStream(state.toByteArray()));
      assertEquals(2, t.metrics().teacherUpdates());
    }
  }
}
