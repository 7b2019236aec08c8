package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ai.goldilocks.core.Sampler;
import ai.goldilocks.core.SamplerMetrics;
import ai.goldilocks.core.Selection;
import ai.goldilocks.core.sampler.BetaThompsonSampler;
import ai.goldilocks.core.sampler.UniformSampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Any {@link Sampler} can be served; and every answer waits for the fsync that covers what it reports. */
class ServedSamplersTest {

  /** Serves {@code sampler}: picks and rewards of steps 0-2, a restart replaying the journal, a checkpoint, a restart from it. */
  private static void servesWithRestarts(Path dir, Function<QuestionPool, Sampler> sampler) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    List<List<String>> picked = new ArrayList<>();
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(sampler))) {
      for (int step = 0; step < 3; step++) {
        List<String> ids = TeacherServerTest.ids(DurabilityTest.picks(s, step, 4).json());
        picked.add(ids);
        TeacherServerTest.post(s.url(), "/v1/rewards", TeacherServerTest.rewards(step, ids.get(0), new double[] {1, 0, 0, 1},
            null), null);
      }
      assertEquals(3, DurabilityTest.metric(s, "goldilocks_groups_completed_total"));
    }
    // no checkpoint: the journal alone rebuilds the state, through markHandedOut
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(sampler))) {
      assertEquals(6, DurabilityTest.metric(s, "goldilocks_journal_sequence"));
      assertEquals(12, DurabilityTest.metric(s, "goldilocks_picks_total"), "the replayed hand-outs are counted");
      for (int step = 0; step < 3; step++) {
        assertEquals(picked.get(step), TeacherServerTest.ids(DurabilityTest.picks(s, step, 4).json()));
      }
      // a completed group posted again is a duplicate, never learned twice; another group of step 1 completes
      TeacherServerTest.Reply again = TeacherServerTest.post(s.url(), "/v1/rewards",
          TeacherServerTest.rewards(0, picked.get(0).get(0), new double[] {1, 0, 0, 1}, null), null);
      assertEquals(1, again.json().get("duplicate").getAsInt(), again.body());
      assertEquals(3, DurabilityTest.metric(s, "goldilocks_groups_completed_total"), "replayed, none twice");
      TeacherServerTest.post(s.url(), "/v1/rewards", TeacherServerTest.rewards(1, picked.get(1).get(1),
          new double[] {1, 1, 0, 1}, null), null);
      picked.add(TeacherServerTest.ids(DurabilityTest.picks(s, 3, 4).json()));
      s.checkpoint();
    }
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(sampler))) {
      for (int step = 0; step < 4; step++) {
        assertEquals(picked.get(step), TeacherServerTest.ids(DurabilityTest.picks(s, step, 4).json()));
      }
      assertEquals(4, DurabilityTest.metric(s, "goldilocks_groups_completed_total"));
    }
  }

  @Test
  void aUniformSamplerIsServedAcrossRestartsAndJournalReplay(@TempDir Path dir) throws Exception {
    servesWithRestarts(dir, p -> UniformSampler.builder(p).seed(5).build());
  }

  @Test
  void aBetaThompsonSamplerIsServedAcrossRestartsAndJournalReplay(@TempDir Path dir) throws Exception {
    servesWithRestarts(dir, p -> BetaThompsonSampler.builder(p).seed(5).build());
  }

  /** A uniform sampler that refuses the first state it is asked to restore, as one that cannot take a state back. */
  private static final class RefusesFirstRestore extends NoReplay {
    private boolean refuse;

    RefusesFirstRestore(QuestionPool pool, boolean refuse) {
      super(pool);
      this.refuse = refuse;
    }

    @Override
    public void markHandedOut(List<String> ids) {
      inner.markHandedOut(ids);
    }

    @Override
    public void restoreState(InputStream in) throws IOException {
      if (refuse) {
        refuse = false;
        throw new IOException("this state cannot be taken back");
      }
      super.restoreState(in);
    }
  }

  @Test
  void aCheckpointTheSamplerRefusesGivesWayToAnOlderOne(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    List<List<String>> picked = new ArrayList<>();
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(p -> new RefusesFirstRestore(p, false)))) {
      for (int step = 0; step < 3; step++) {
        picked.add(TeacherServerTest.ids(DurabilityTest.picks(s, step, 3).json()));
        if (step < 2) {
          s.checkpoint();
        }
      }
    }
    // the newest checkpoint is refused; the older one and the journal after it rebuild the same state
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(p -> new RefusesFirstRestore(p, true)))) {
      for (int step = 0; step < 3; step++) {
        assertEquals(picked.get(step), TeacherServerTest.ids(DurabilityTest.picks(s, step, 3).json()));
      }
      assertEquals(9, DurabilityTest.metric(s, "goldilocks_picks_total"));
    }
  }

  /** A sampler that cannot replay hand-outs: Sampler's default markHandedOut. */
  private static class NoReplay implements Sampler {
    final UniformSampler inner;

    NoReplay(QuestionPool pool) {
      inner = UniformSampler.builder(pool).seed(1).build();
    }

    @Override
    public QuestionPool pool() {
      return inner.pool();
    }

    @Override
    public List<Selection> next(int batchSize) {
      return inner.next(batchSize);
    }

    @Override
    public FeedbackStatus feedback(RolloutFeedback feedback) {
      return inner.feedback(feedback);
    }

    @Override
    public SamplerMetrics metrics() {
      return inner.metrics();
    }

    @Override
    public void saveState(OutputStream out) throws IOException {
      inner.saveState(out);
    }

    @Override
    public void restoreState(InputStream in) throws IOException {
      inner.restoreState(in);
    }
  }

  @Test
  void aSamplerThatCannotReplayIsServedWithoutStateAndRefusedWithIt(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> new NoReplay(pool).markHandedOut(List.of("q1")));
    assertTrue(e.getMessage().contains(NoReplay.class.getName()), e.getMessage());
    try (TeacherServer s = DurabilityTest.start(TeacherServer.builder().pool(pool).groupSize(4).sampler(NoReplay::new))) {
      assertEquals(3, TeacherServerTest.ids(DurabilityTest.picks(s, 0, 3).json()).size());
    }
    IOException refused = assertThrows(IOException.class,
        () -> DurabilityTest.start(DurabilityTest.builder(pool, dir).sampler(NoReplay::new)));
    assertTrue(refused.getMessage().contains("markHandedOut") && refused.getMessage().contains(NoReplay.class.getName()),
        refused.getMessage());
  }

  @Test
  void aRestartWithAnotherSamplerIsRefused(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir)
        .sampler(p -> UniformSampler.builder(p).seed(1).build()))) {
      DurabilityTest.picks(s, 0, 3);
    }
    IOException e = assertThrows(IOException.class, () -> DurabilityTest.start(DurabilityTest.builder(pool, dir)));
    assertTrue(e.getMessage().contains("--teacher") && e.getMessage().contains("UniformSampler"), e.getMessage());
  }

  /** A disk whose next fsync, once armed, waits until released. */
  private static final class GatedDisk implements Disk {
    final CountDownLatch inForce = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean released = new AtomicBoolean();
    volatile boolean armed;

    @Override
    public void force(FileChannel c, boolean metadata) throws IOException {
      if (armed) {
        armed = false;
        inForce.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Disk.super.force(c, metadata);
    }
  }

  @Test
  void aSecondRanksIdenticalRequestWaitsForTheFirstOnesFsync(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(100);
    GatedDisk disk = new GatedDisk();
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).disk(disk))) {
      disk.armed = true;
      CompletableFuture<TeacherServerTest.Reply> first = CompletableFuture.supplyAsync(() -> picks(s));
      assertTrue(disk.inForce.await(30, TimeUnit.SECONDS), "the first request's fsync started");
      // the picks are in memory and in the file, not yet on the device: the second rank must not be answered
      CompletableFuture<Boolean> secondAfterRelease = CompletableFuture.supplyAsync(() -> {
        TeacherServerTest.Reply r = picks(s);
        assertEquals(200, r.status(), r.body());
        return disk.released.get();
      });
      Thread.sleep(300); // time enough for an early answer, were one given
      disk.released.set(true);
      disk.release.countDown();
      assertTrue(secondAfterRelease.get(30, TimeUnit.SECONDS), "the second rank was answered before the fsync completed");
      assertEquals(TeacherServerTest.ids(first.get(30, TimeUnit.SECONDS).json()),
          TeacherServerTest.ids(picks(s).json()));
      assertEquals(1, DurabilityTest.metric(s, "goldilocks_journal_sequence"));
      assertEquals(1, DurabilityTest.metric(s, "goldilocks_journal_fsyncs_total"),
          "one fsync covered the picks for all three requests (group commit)");
    }
  }

  private static TeacherServerTest.Reply picks(TeacherServer s) {
    try {
      return DurabilityTest.picks(s, 0, 4);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
