package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a Goldilocks sampler's state holds of an asynchronous teacher update that is queued or in
 * flight: the teacher as of the last finished update, every sample since, and the due update, which
 * a restore schedules again; a save never waits for training.
 */
class TeacherStateTest {
  private static QuestionPool pool(int n) {
    return PreviousStateFormatTest.Fixtures.contractPool(n);
  }

  /** Runs the updates handed to it only when told. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> queue = new ArrayDeque<>();

    @Override
    public void execute(Runnable r) {
      queue.add(r);
    }

    void runAll() {
      while (!queue.isEmpty()) {
        queue.poll().run();
      }
    }
  }

  /** With {@code executor} null: the sampler's own background thread. */
  private static GoldilocksSampler sampler(QuestionPool pool, UtilityPredictor teacher, Executor executor) {
    GoldilocksSampler.Builder b = GoldilocksSampler.builder(pool).seed(5).predictor(teacher).updateEvery(8).window(64)
        .maxTeacherLag(Integer.MAX_VALUE);
    return (executor == null ? b.updateMode(GoldilocksSampler.UpdateMode.ASYNCHRONOUS) : b.executor(executor)).build();
  }

  private static List<String> round(GoldilocksSampler s, int n, int round) {
    List<String> picked = new ArrayList<>();
    for (Selection sel : s.next(n)) {
      picked.add(sel.question().id() + "@" + sel.predictedUtility());
      s.feedback(new RolloutFeedback(sel.question().id(), PreviousStateFormatTest.Fixtures.contractRewards(sel, round, 8), round));
    }
    return picked;
  }

  private static byte[] save(GoldilocksSampler s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.saveState(out);
    return out.toByteArray();
  }

  private static byte[] teacherState(UtilityPredictor p) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.writeState(new DataOutputStream(out));
    return out.toByteArray();
  }

  @Test
  void aQueuedUpdateIsSavedAndARestoreRunsItSoThePicksMatchAnUninterruptedRun() throws IOException {
    QuestionPool pool = pool(300);
    ManualExecutor first = new ManualExecutor();
    ManualExecutor second = new ManualExecutor();
    List<String> uninterrupted = new ArrayList<>();
    List<String> resumed = new ArrayList<>();
    byte[] saved;
    try (GoldilocksSampler a = sampler(pool, FeaturePredictor.builder().seed(1).build(), first)) {
      for (int r = 0; r < 4; r++) {
        round(a, 8, r);
        first.runAll();
      }
      round(a, 8, 4); // an update is due and queued, not started
      assertEquals(1, first.queue.size());
      saved = save(a);
      first.runAll();
      for (int r = 5; r < 10; r++) {
        uninterrupted.addAll(round(a, 8, r));
        first.runAll();
      }
      try (GoldilocksSampler b = sampler(pool, FeaturePredictor.builder().seed(1).build(), second)) {
        b.restoreState(new ByteArrayInputStream(saved));
        assertEquals(8, b.metrics().teacherLagSamples(), "the queued update's samples are untrained");
        assertEquals(1, second.queue.size(), "the restore scheduled the update that was due");
        second.runAll();
        for (int r = 5; r < 10; r++) {
          resumed.addAll(round(b, 8, r));
          second.runAll();
        }
        assertEquals(uninterrupted, resumed);
        assertEquals(a.metrics(), b.metrics());
        assertArrayEquals(teacherState(a.predictor()), teacherState(b.predictor()));
      }
    }
  }

  @Test
  void anUpdateQueuedBeforeARestoreOfAStateWithNoneDueDoesNothing() throws IOException {
    QuestionPool pool = pool(300);
    ManualExecutor first = new ManualExecutor();
    ManualExecutor second = new ManualExecutor();
    try (GoldilocksSampler a = sampler(pool, FeaturePredictor.builder().seed(1).build(), first);
        GoldilocksSampler b = sampler(pool, FeaturePredictor.builder().seed(1).build(), second)) {
      round(a, 8, 0);
      first.runAll();
      byte[] saved = save(a); // no update due
      round(b, 8, 0); // b has an update queued, not started
      b.restoreState(new ByteArrayInputStream(saved));
      second.runAll();
      assertEquals(a.metrics(), b.metrics());
      assertArrayEquals(teacherState(a.predictor()), teacherState(b.predictor()));
      assertEquals(round(a, 8, 1), round(b, 8, 1));
      first.runAll(); // closing waits for scheduled updates
      second.runAll();
    }
  }

  @Test
  void aRestoreIntoAClosedSamplerKeepsTheDueUpdateDueAndCountsNoFailure() throws IOException {
    QuestionPool pool = pool(300);
    ManualExecutor first = new ManualExecutor();
    ManualExecutor third = new ManualExecutor();
    byte[] saved;
    try (GoldilocksSampler a = sampler(pool, FeaturePredictor.builder().seed(1).build(), first)) {
      round(a, 8, 0);
      first.runAll();
      round(a, 8, 1); // an update is due and queued, not started
      saved = save(a);
      first.runAll();
    }
    // closed: its own background thread is stopped, so nothing can run the update that is due
    GoldilocksSampler b = sampler(pool, FeaturePredictor.builder().seed(1).build(), null);
    b.close();
    b.restoreState(new ByteArrayInputStream(saved));
    assertEquals(0, b.metrics().teacherFailures(), "no update ran, so none failed");
    assertEquals(8, b.metrics().teacherLagSamples());
    byte[] again = save(b);
    try (GoldilocksSampler c = sampler(pool, FeaturePredictor.builder().seed(1).build(), third)) {
      c.restoreState(new ByteArrayInputStream(again));
      assertEquals(1, third.queue.size(), "the update is still due in the closed sampler's state");
      third.runAll();
      assertEquals(0, c.metrics().teacherFailures());
    }
  }

  /**
   * A feature teacher whose update trains and then blocks (the update is not finished for the
   * sampler) until released, and records what it trained on.
   */
  private static final class BlockingTeacher implements UtilityPredictor {
    final FeaturePredictor inner = FeaturePredictor.builder().seed(2).build();
    final boolean ownSnapshot;
    final Semaphore trained = new Semaphore(0);
    final Semaphore release = new Semaphore(0);
    volatile boolean block = true;
    final List<String> updates = new ArrayList<>();

    BlockingTeacher(boolean ownSnapshot) {
      this.ownSnapshot = ownSnapshot;
    }

    @Override
    public String name() {
      return "blocking-features";
    }

    @Override
    public void predict(QuestionPool p, int[] candidates, int count, double[] out) {
      inner.predict(p, candidates, count, out);
    }

    @Override
    public void train(QuestionPool p, TrainingExamples examples, int epochs) {
      inner.train(p, examples, epochs);
      synchronized (updates) {
        updates.add(Arrays.toString(examples.questions()) + " fresh " + examples.fresh());
      }
      if (block) {
        trained.release();
        release.acquireUninterruptibly();
      }
    }

    @Override
    public StateSnapshot stateSnapshot() throws IOException {
      // the feature teacher's own (a reference to its published state), or the default (a copy in bytes)
      return ownSnapshot ? inner.stateSnapshot() : UtilityPredictor.super.stateSnapshot();
    }

    @Override
    public void writeState(DataOutput out) throws IOException {
      inner.writeState(out);
    }

    @Override
    public void readState(DataInput in) throws IOException {
      inner.readState(in);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aSaveWhileAnUpdateTrainsDoesNotWaitAndARestoreTrainsThatUpdateOnce(boolean ownSnapshot) throws Exception {
    QuestionPool pool = pool(300);
    BlockingTeacher teacher = new BlockingTeacher(ownSnapshot);
    byte[] saved;
    byte[] afterUpdate;
    String inFlightUpdate;
    try (GoldilocksSampler a = sampler(pool, teacher, null)) { // the sampler's own background thread
      round(a, 8, 0);
      assertTrue(teacher.trained.tryAcquire(1, TimeUnit.MINUTES));
      teacher.release.release();
      a.awaitUpdates();
      round(a, 8, 1);
      // update 2 has trained the inner teacher but has not finished for the sampler
      assertTrue(teacher.trained.tryAcquire(1, TimeUnit.MINUTES));
      round(a, 3, 2);
      // a save does not wait for the update (a save that waited would never return while it is blocked)
      saved = CompletableFuture.supplyAsync(() -> {
        try {
          return save(a);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).get(1, TimeUnit.MINUTES);
      assertEquals(11, a.metrics().teacherLagSamples());
      teacher.release.release();
      a.awaitUpdates();
      assertEquals(2, a.metrics().teacherUpdates());
      afterUpdate = teacherState(teacher.inner);
      synchronized (teacher.updates) {
        inFlightUpdate = teacher.updates.get(1);
      }
    }
    BlockingTeacher restored = new BlockingTeacher(ownSnapshot);
    restored.block = false;
    ManualExecutor executor = new ManualExecutor();
    try (GoldilocksSampler b = sampler(pool, restored, executor)) {
      b.restoreState(new ByteArrayInputStream(saved));
      var m = b.metrics();
      assertEquals(1, m.teacherUpdates(), "the saved teacher is the one of the last finished update");
      assertEquals(11, m.teacherLagSamples(), "8 samples of the update in flight and 3 pending: none lost");
      assertEquals(19, m.feedbackAccepted());
      assertEquals(1, executor.queue.size(), "the update in flight is due again");
      executor.runAll();
      assertEquals(List.of(inFlightUpdate), restored.updates, "the same examples, the same 8 of them fresh");
      assertArrayEquals(afterUpdate, teacherState(restored.inner), "trained once, as the uninterrupted update did");
      assertEquals(3, b.metrics().teacherLagSamples());
    }
  }
}
