package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import ai.goldilocks.core.spi.TrainingExamples;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint due while an asynchronous teacher update trains does not hold up requests for the
 * length of the update, and the server restored from it has every reward exactly once.
 */
class CheckpointDuringUpdateTest {
  private static final int PICKS = 16; // four steps complete the sampler's first update (64 samples)

  /**
   * A feature teacher that counts the fresh samples it has trained on (part of its state, so a
   * restored teacher says what it had learned from), and whose update, once trained, blocks until
   * released while the gate is on.
   */
  static final class GatedTeacher implements UtilityPredictor {
    final FeaturePredictor inner = FeaturePredictor.builder().seed(3).build();
    final Semaphore trained = new Semaphore(0);
    final Semaphore release = new Semaphore(0);
    volatile boolean gated;
    volatile long samplesTrained;
    volatile long restoredSamplesTrained = -1;

    GatedTeacher(boolean gated) {
      this.gated = gated;
    }

    @Override
    public String name() {
      return "gated-features";
    }

    @Override
    public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
      inner.predict(pool, candidates, count, out);
    }

    @Override
    public void train(QuestionPool pool, TrainingExamples examples, int epochs) {
      inner.train(pool, examples, epochs);
      samplesTrained += examples.fresh();
      if (gated) {
        trained.release();
        release.acquireUninterruptibly();
      }
    }

    @Override
    public void writeState(DataOutput out) throws IOException {
      out.writeLong(samplesTrained);
      inner.writeState(out);
    }

    @Override
    public void readState(DataInput in) throws IOException {
      long n = in.readLong();
      inner.readState(in);
      samplesTrained = n;
      restoredSamplesTrained = n;
    }
  }

  private static void rewardAll(TeacherServer s, long step, List<String> ids) throws Exception {
    for (String id : ids) {
      int k = Integer.parseInt(id.substring(1));
      double[] r = {k % 2, k % 3 == 0 ? 1 : 0, 1, 0};
      TeacherServerTest.Reply reply = TeacherServerTest.post(s.url(), "/v1/rewards", TeacherServerTest.rewards(step, id, r, null),
          null);
      assertEquals(200, reply.status(), reply.body());
    }
  }

  @Test
  void aPickThatMakesACheckpointDueIsAnsweredWhileAnUpdateTrainsAndTheRestoredServerCountsEachRewardOnce(
      @TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(400);
    GatedTeacher first = new GatedTeacher(true);
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).checkpointEvery(4).teacher(p -> first))) {
      try {
        for (int step = 0; step < 4; step++) {
          rewardAll(s, step, TeacherServerTest.ids(DurabilityTest.picks(s, step, PICKS).json()));
        }
        // the 64th group made the first update due: it has trained and now blocks, unfinished
        assertTrue(first.trained.tryAcquire(1, TimeUnit.MINUTES));
        // step 4 makes a checkpoint due; its answer waits for the checkpoint, which used to wait for the update
        TeacherServerTest.Reply picks = CompletableFuture.supplyAsync(() -> {
          try {
            return DurabilityTest.picks(s, 4, PICKS);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).get(1, TimeUnit.MINUTES);
        assertEquals(200, picks.status(), picks.body());
        assertEquals(1, DurabilityTest.metric(s, "goldilocks_checkpoints_total"), "the checkpoint was written meanwhile");
        assertEquals(0, DurabilityTest.metric(s, "goldilocks_teacher_updates_total"), "the update is still running");
        rewardAll(s, 4, TeacherServerTest.ids(picks.json()));
      } finally {
        first.gated = false;
        first.release.release();
      }
      ((GoldilocksSampler) s.servedSampler()).awaitUpdates();
      assertEquals(64, first.samplesTrained);
    }
    // restart: the checkpoint of step 4 (taken while the update trained), then the journal's rewards of step 4
    GatedTeacher second = new GatedTeacher(false);
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).checkpointEvery(4).teacher(p -> second))) {
      GoldilocksSampler sampler = (GoldilocksSampler) s.servedSampler();
      sampler.awaitUpdates();
      assertEquals(0, second.restoredSamplesTrained, "the checkpoint holds the teacher of the last finished update");
      assertEquals(5 * PICKS, DurabilityTest.metric(s, "goldilocks_groups_completed_total"));
      assertEquals(5 * PICKS, sampler.metrics().feedbackAccepted());
      // every accepted sample is either trained on once (the update due at the checkpoint ran again) or waiting
      assertEquals(64, second.samplesTrained);
      assertEquals(5 * PICKS - 64, sampler.metrics().teacherLagSamples());
    }
  }
}
