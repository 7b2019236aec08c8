package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.sampler.UniformSampler;
import ai.goldilocks.core.spi.FixedUtilityPredictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails frees what it had built: the teacher (native memory in a DJL one) and the
 * sampler; waiting for a start that has not finished ends when the time given is up.
 */
class FailedStartTest {
  private static final QuestionPool POOL = TeacherServerTest.pool(10);

  /** A teacher that counts its closes. */
  private static final class Closing implements FixedUtilityPredictor {
    final AtomicInteger closes = new AtomicInteger();
    final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public String name() {
      return "closing";
    }

    @Override
    public void predict(QuestionPool pool, int[] candidates, int count, double[] out) {
      java.util.Arrays.fill(out, 0, count, 0.25);
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      closed.countDown();
    }
  }

  @Test
  void aStateThatCannotBeRestoredClosesTheTeacher(@TempDir Path dir) throws Exception {
    // a journal segment of an older server version: the restore refuses it
    Files.writeString(dir.resolve("journal-000000000001.jsonl"), "{}\n");
    Closing teacher = new Closing();
    try (TeacherServer s = TeacherServer.builder().pool(POOL).stateDir(dir).teacher(p -> teacher).start()) {
      IOException e = assertThrows(IOException.class, () -> s.awaitReady(60, TimeUnit.SECONDS));
      assertTrue(e.getMessage().contains("older server version"), e.getMessage());
      assertEquals(1, teacher.closes.get(), "the failed start closed the teacher once");
    }
    assertEquals(1, teacher.closes.get());
  }

  @Test
  void aSamplerOnAnotherPoolIsClosed() throws Exception {
    UniformSampler[] made = new UniformSampler[1];
    try (TeacherServer s = TeacherServer.builder().pool(POOL)
        .sampler(p -> made[0] = UniformSampler.builder(TeacherServerTest.pool(5)).seed(1).build()).start()) {
      IOException e = assertThrows(IOException.class, () -> s.awaitReady(60, TimeUnit.SECONDS));
      assertTrue(e.getMessage().contains("on the pool it is given"), e.getMessage());
    }
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> made[0].next(1));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }

  @Test
  void awaitReadyWithoutTimeToWaitAnswersAtOnce() throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    TeacherServer s = TeacherServer.builder().poolLoader(() -> {
      loading.await();
      return POOL;
    }).start();
    try {
      // the preemptive bound only ends the old behaviour (waiting for ever); it measures nothing
      for (long[] wait : new long[][] {{0, 1}, {500, 0}}) {
        TimeUnit unit = wait[1] == 1 ? TimeUnit.SECONDS : TimeUnit.MICROSECONDS;
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
            () -> assertThrows(IOException.class, () -> s.awaitReady(wait[0], unit)));
        assertTrue(e.getMessage().contains("not ready"), e.getMessage());
      }
    } finally {
      loading.countDown();
      s.close();
    }
  }

  @Test
  void anIdNoCheckpointCanStoreIsRefusedWithAStateDirectory(@TempDir Path dir) throws Exception {
    String longId = "é".repeat(40_000); // 80,000 bytes: beyond what a checkpoint stores
    QuestionPool pool = QuestionPool.of(java.util.List.of(new ai.goldilocks.core.Question("a", "one"),
        new ai.goldilocks.core.Question(longId, "two")));
    try (TeacherServer s = TeacherServer.builder().pool(pool).stateDir(dir).groupSize(2).start()) {
      IOException e = assertThrows(IOException.class, () -> s.awaitReady(60, TimeUnit.SECONDS));
      assertTrue(e.getMessage().contains("position 1") && e.getMessage().contains("80000 bytes"), e.getMessage());
    }
    try (TeacherServer s = TeacherServer.builder().pool(pool).groupSize(2).start()) {
      s.awaitReady(60, TimeUnit.SECONDS); // without a state directory nothing is stored
    }
  }

  @Test
  void aStartThatEndsAfterCloseServesNothingAndClosesWhatItBuilt(@TempDir Path dir) throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    Closing teacher = new Closing();
    TeacherServer s = TeacherServer.builder().poolLoader(() -> {
      loading.await();
      return POOL;
    }).stateDir(dir).teacher(p -> teacher).closeWait(Duration.ZERO).start();
    s.close(); // gives up waiting for the start at once (as after a minute by default)
    loading.countDown();
    assertTrue(teacher.closed.await(60, TimeUnit.SECONDS), "the start that ended after close closed its teacher");
    assertEquals(1, teacher.closes.get());
    assertFalse(s.isReady(), "a closed server never becomes ready");
    IOException e = assertThrows(IOException.class, () -> s.awaitReady(60, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("closed before it was ready"), e.getMessage());
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertEquals(java.util.List.of(), files.filter(f -> f.getFileName().toString().startsWith("journal-")).toList(),
          "no journal was opened");
    }
  }
}
