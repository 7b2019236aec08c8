package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk, damaged journals and restarts with other options (issue 27, points 2-4). */
class DurabilityTest {
  /** A disk that can fill up: then a write lands half its bytes and fails, as ENOSPC does. */
  static final class FillingDisk implements Disk {
    volatile boolean full;

    @Override
    public void write(FileChannel c, ByteBuffer b) throws IOException {
      if (full) {
        ByteBuffer half = b.duplicate();
        half.limit(b.position() + b.remaining() / 2);
        while (half.hasRemaining()) {
          c.write(half);
        }
        throw new IOException("No space left on device");
      }
      Disk.super.write(c, b);
    }
  }

  static TeacherServer.Builder builder(QuestionPool pool, Path state) {
    return TeacherServer.builder().pool(pool).stateDir(state).groupSize(4).seed(3).checkpointEvery(0);
  }

  static TeacherServer start(TeacherServer.Builder b) throws Exception {
    TeacherServer s = b.start();
    try {
      s.awaitReady(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return s;
  }

  static TeacherServerTest.Reply picks(TeacherServer s, long step, int n) throws Exception {
    return TeacherServerTest.post(s.url(), "/v1/picks", "{\"step\": " + step + ", \"n\": " + n + "}", null);
  }

  static double metric(TeacherServer s, String name) throws Exception {
    return TeacherServerTest.metric(s.url(), name, null);
  }

  static List<Path> files(Path dir, String suffix) throws IOException {
    try (Stream<Path> f = Files.list(dir)) {
      return f.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  @Test
  void theTeachersLagIsInTheMetrics(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    try (TeacherServer s = start(builder(pool, dir))) {
      assertEquals(0, metric(s, "goldilocks_teacher_lag_samples"));
      List<String> step0 = TeacherServerTest.ids(picks(s, 0, 4).json());
      for (int i = 0; i < 3; i++) {
        assertEquals(200, TeacherServerTest.post(s.url(), "/v1/rewards",
            TeacherServerTest.rewards(0, step0.get(i), new double[] {1, 0, 1, 0}, null), null).status());
      }
      // three groups accepted, fewer than one update's worth (64): the teacher has trained on none of them
      assertEquals(3, metric(s, "goldilocks_teacher_lag_samples"));
      assertEquals(0, metric(s, "goldilocks_teacher_updates_merged_total"));
    }
  }

  @Test
  void aFullDiskChangesNothingAnswers503AndLeavesNoTornRecord(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    FillingDisk disk = new FillingDisk();
    List<String> step0;
    try (TeacherServer s = start(builder(pool, dir).disk(disk))) {
      step0 = TeacherServerTest.ids(picks(s, 0, 4).json());
      assertEquals(200, TeacherServerTest.post(s.url(), "/v1/rewards",
          TeacherServerTest.rewards(0, step0.get(0), new double[] {1, 0, 1, 0}, null), null).status());
      double seq = metric(s, "goldilocks_journal_sequence");
      disk.full = true;
      TeacherServerTest.Reply checkpoint = TeacherServerTest.post(s.url(), "/v1/checkpoint", "", null);
      assertEquals(503, checkpoint.status(), checkpoint.body());
      assertTrue(files(dir, ".tmp").isEmpty(), "no .tmp left behind");
      assertTrue(files(dir, ".bin").isEmpty());
      TeacherServerTest.Reply failed = picks(s, 1, 4);
      assertEquals(503, failed.status(), failed.body());
      assertTrue(failed.body().contains("No space left on device"), failed.body());
      disk.full = false; // space freed: the journal stays failed until a restart (the memory may differ from the disk)
      assertEquals(503, picks(s, 1, 4).status(), "a retry does not get picks that were never journaled");
      assertEquals(503, TeacherServerTest.post(s.url(), "/v1/rewards",
          TeacherServerTest.rewards(0, step0.get(1), new double[] {1, 0, 1, 0}, null), null).status());
      assertEquals(seq, metric(s, "goldilocks_journal_sequence"), "no sequence number used up");
      assertEquals(1, metric(s, "goldilocks_groups_completed_total"));
    }
    // every line of the journal is whole: the restart cuts nothing and refuses nothing
    for (Path seg : files(dir, ".log")) {
      byte[] all = Files.readAllBytes(seg);
      assertEquals('\n', all[all.length - 1], seg + " ends with a whole record");
    }
    try (TeacherServer s = start(builder(pool, dir))) {
      assertEquals(2, metric(s, "goldilocks_journal_sequence"), "picks 0 and the rewards; nothing else");
      assertEquals(step0, TeacherServerTest.ids(picks(s, 0, 4).json()));
      assertEquals(200, picks(s, 1, 4).status());
      assertEquals(3, metric(s, "goldilocks_journal_sequence"), "the next record takes the next number");
      TeacherServerTest.Reply again = TeacherServerTest.post(s.url(), "/v1/rewards",
          TeacherServerTest.rewards(0, step0.get(0), new double[] {1, 0, 1, 0}, null), null);
      assertEquals(1, again.json().get("duplicate").getAsInt());
    }
  }

  @Test
  void aFailedAutomaticCheckpointDoesNotFailThePicksThatTriggeredIt(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    Disk noCheckpoints = new Disk() {
      @Override
      public void force(FileChannel c, boolean metadata) throws IOException {
        if (metadata) { // the checkpoint's fsync (the journal's leaves the metadata)
          throw new IOException("No space left on device");
        }
        Disk.super.force(c, metadata);
      }
    };
    List<String> step1;
    try (TeacherServer s = start(builder(pool, dir).checkpointEvery(1).disk(noCheckpoints))) {
      TeacherServerTest.Reply r = picks(s, 1, 3);
      assertEquals(200, r.status(), r.body());
      step1 = TeacherServerTest.ids(r.json());
      assertEquals(0, metric(s, "goldilocks_checkpoints_total"));
      assertTrue(files(dir, ".bin").isEmpty() && files(dir, ".tmp").isEmpty());
      assertEquals(200, picks(s, 2, 3).status(), "the server goes on");
    }
    try (TeacherServer s = start(builder(pool, dir))) {
      assertEquals(step1, TeacherServerTest.ids(picks(s, 1, 3).json()), "the picks were durable all along");
    }
  }

  /** Writes a small state (picks of steps 0-2, a group of rewards per step), closed without a checkpoint. */
  static List<List<String>> writeState(QuestionPool pool, Path dir) throws Exception {
    List<List<String>> picked = new ArrayList<>();
    try (TeacherServer s = start(builder(pool, dir))) {
      for (int step = 0; step < 3; step++) {
        List<String> ids = TeacherServerTest.ids(picks(s, step, 4).json());
        picked.add(ids);
        assertEquals(200, TeacherServerTest.post(s.url(), "/v1/rewards",
            TeacherServerTest.rewards(step, ids.get(0), new double[] {1, 0, 0, 1}, null), null).status());
      }
    }
    return picked;
  }

  static void edit(Path file, UnaryOperator<List<String>> change) throws IOException {
    List<String> lines = new ArrayList<>(List.of(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)));
    lines.remove(lines.size() - 1); // after the final newline
    Files.writeString(file, String.join("\n", change.apply(lines)) + "\n", StandardCharsets.UTF_8);
  }

  static String startFailure(QuestionPool pool, Path dir) {
    IOException e = assertThrows(IOException.class, () -> start(builder(pool, dir)).close());
    return e.getMessage();
  }

  @Test
  void aDamagedRecordThatMayHaveBeenAcknowledgedStopsTheStartNamingFileLineAndRemedy(@TempDir Path root) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    // 1. a complete last line with one character changed (the issue: dropped silently, its rewards taken again)
    Path a = root.resolve("a");
    writeState(pool, a);
    Path seg = files(a, ".log").get(0);
    edit(seg, lines -> {
      String last = lines.get(lines.size() - 1);
      lines.set(lines.size() - 1, last.replace("\"rewards\":[1.0,0.0,0.0,1.0]", "\"rewards\":[1.0,0.0,0.0,0.0]"));
      assertNotEquals(last, lines.get(lines.size() - 1));
      return lines;
    });
    String m = startFailure(pool, a);
    assertTrue(m.contains(seg.toString()) && m.contains("line 7") && m.contains("checksum") && m.contains("truncate -s"), m);

    // 2. an id changed in a middle line (the issue: started fine and served other picks)
    Path b = root.resolve("b");
    List<List<String>> picked = writeState(pool, b);
    Path segB = files(b, ".log").get(0);
    String from = picked.get(1).get(2);
    edit(segB, lines -> {
      lines.set(3, lines.get(3).replace("\"" + from + "\"", "\"q" + (Integer.parseInt(from.substring(1)) ^ 1) + "\""));
      return lines;
    });
    m = startFailure(pool, b);
    assertTrue(m.contains("line 4") && m.contains("damaged"), m);

    // 3. a record with a valid frame but missing its step (the issue: a raw NullPointerException)
    Path c = root.resolve("c");
    writeState(pool, c);
    Path segC = files(c, ".log").get(0);
    edit(segC, lines -> {
      lines.add(new String(JournalCodec.frame("{\"seq\":7,\"type\":\"rewards\"}"), StandardCharsets.UTF_8).strip());
      return lines;
    });
    m = startFailure(pool, c);
    assertTrue(m.contains(segC.toString()) && m.contains("line 8") && m.contains("not valid"), m);
  }

  @Test
  void anIncompleteLastRecordWasNeverAcknowledgedAndIsCut(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    List<List<String>> picked = writeState(pool, dir);
    Path seg = files(dir, ".log").get(0);
    byte[] all = Files.readAllBytes(seg);
    int lastStart = all.length - 2;
    while (all[lastStart] != '\n') {
      lastStart--;
    }
    lastStart++;
    // a crash in the middle of the last write: its first 10 bytes landed
    Files.write(seg, java.util.Arrays.copyOf(all, lastStart + 10));
    try (TeacherServer s = start(builder(pool, dir))) {
      assertEquals(5, metric(s, "goldilocks_journal_sequence"), "the five whole records replayed");
      assertEquals(2, metric(s, "goldilocks_groups_completed_total"));
      assertEquals(picked.get(2), TeacherServerTest.ids(picks(s, 2, 4).json()));
    }
    assertArrayEquals(java.util.Arrays.copyOf(all, lastStart), java.util.Arrays.copyOf(Files.readAllBytes(seg), lastStart));
    assertEquals(lastStart, Files.size(seg), "cut back to the last whole record");
  }

  @Test
  void aRestartWithOtherOptionsIsRefusedBeforeAndAfterTheFirstCheckpoint(@TempDir Path root) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(300);
    List<Question> renamed = new ArrayList<>();
    for (int i = 0; i < pool.size(); i++) {
      renamed.add(new Question(pool.id(i), i == 17 ? "another text" : pool.text(i)));
    }
    QuestionPool otherTexts = QuestionPool.of(renamed);
    for (boolean checkpointed : new boolean[] {false, true}) {
      Path dir = root.resolve("cp-" + checkpointed);
      writeState(pool, dir);
      if (checkpointed) {
        try (TeacherServer s = start(builder(pool, dir))) {
          s.checkpoint();
        }
      }
      record Variant(String option, TeacherServer.Builder builder) {}
      for (Variant v : List.of(new Variant("--seed", builder(pool, dir).seed(4)),
          new Variant("--candidates", builder(pool, dir).candidates(8)),
          new Variant("--group-size", builder(pool, dir).groupSize(8)),
          new Variant("--group-size", builder(pool, dir).groupSize(2)),
          new Variant("--reward-range", builder(pool, dir).rewardRange(-1, 1)),
          new Variant("--epsilon", builder(pool, dir).epsilon(0.2)),
          new Variant("pool (ids and texts)", builder(otherTexts, dir)))) {
        IOException e = assertThrows(IOException.class, () -> start(v.builder).close(), v.option);
        assertTrue(e.getMessage().contains(v.option) && e.getMessage().contains("fresh --state-dir"),
            checkpointed + " " + v.option + ": " + e.getMessage());
      }
      try (TeacherServer s = start(builder(pool, dir))) { // the state itself is untouched
        assertEquals(3, metric(s, "goldilocks_groups_completed_total"));
      }
    }
  }

  @Test
  void requestCountersAreThisProcesssAndStateCountersTheRunsAlikeWithOrWithoutACheckpoint(@TempDir Path root)
      throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    for (boolean checkpointed : new boolean[] {false, true}) {
      Path dir = root.resolve("cp-" + checkpointed);
      writeState(pool, dir); // 3 pick requests, 3 completed groups
      try (TeacherServer s = start(builder(pool, dir))) {
        TeacherServerTest.post(s.url(), "/v1/rewards", "{\"step\": 0, \"results\": [{\"id\": \"nope\", \"rewards\": [1]}]}", null);
        if (checkpointed) {
          s.checkpoint();
        }
      }
      try (TeacherServer s = start(builder(pool, dir))) {
        assertEquals(0, metric(s, "goldilocks_pick_requests_total"), "checkpointed: " + checkpointed);
        assertEquals(0, metric(s, "goldilocks_feedback_total{status=\"rejected\"}"), "checkpointed: " + checkpointed);
        assertEquals(3, metric(s, "goldilocks_groups_completed_total"), "checkpointed: " + checkpointed);
        assertEquals(3, metric(s, "goldilocks_feedback_total{status=\"accepted\"}"), "checkpointed: " + checkpointed);
      }
    }
  }

  @Test
  void oldStepsAndTheirGroupsAreDroppedBeyondKeepSteps(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    try (TeacherServer s = start(builder(pool, dir).keepSteps(2))) {
      List<String> step0 = TeacherServerTest.ids(picks(s, 0, 2).json());
      // half a group at step 0, then steps 1 and 2 push step 0 out
      TeacherServerTest.post(s.url(), "/v1/rewards", TeacherServerTest.rewards(0, step0.get(0), new double[] {1, 0}, new int[] {0, 1}), null);
      picks(s, 1, 2);
      picks(s, 2, 2);
      TeacherServerTest.Reply late = TeacherServerTest.post(s.url(), "/v1/rewards",
          TeacherServerTest.rewards(0, step0.get(0), new double[] {1, 0}, new int[] {2, 3}), null);
      assertEquals(1, late.json().getAsJsonArray("rejected").size(), late.body());
      assertTrue(late.body().contains("kept: 1..2"), late.body());
      assertEquals(409, picks(s, 0, 2).status(), "older than the oldest kept step");
      s.checkpoint();
    }
    try (TeacherServer s = start(builder(pool, dir).keepSteps(2))) {
      assertEquals(409, picks(s, 0, 2).status(), "still dropped after the restart");
      assertEquals(0, metric(s, "goldilocks_groups_completed_total"));
    }
  }

  @Test
  void leftoverTemporaryCheckpointsAreRemovedOnStart(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    writeState(pool, dir);
    Path tmp = dir.resolve("checkpoint-000000000009.bin.tmp");
    Files.write(tmp, new byte[0]); // what a kill in the middle of a checkpoint leaves
    try (TeacherServer s = start(builder(pool, dir))) {
      assertFalse(Files.exists(tmp));
    }
  }

  @Test
  void aRestartWhoseSamplerRefusesTheCheckpointSaysWhichSettingAndKeepsTheState(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    try (TeacherServer s = start(builder(pool, dir))) {
      for (int step = 0; step < 2; step++) {
        picks(s, step, 3);
        s.checkpoint(); // two checkpoints: the first journal segment is pruned
      }
    }
    List<Path> before = files(dir, "");
    IOException e = assertThrows(IOException.class, () -> start(builder(pool, dir).maxStepLag(5)));
    assertTrue(e.getMessage().contains("maxPolicyLag") && e.getMessage().contains("--max-step-lag"), e.getMessage());
    assertFalse(e.getMessage().contains("move the directory away"), "not damage: " + e.getMessage());
    assertEquals(before, files(dir, ""), "nothing in the state directory changed");
    try (TeacherServer s = start(builder(pool, dir))) {
      assertEquals(3, TeacherServerTest.ids(picks(s, 1, 3).json()).size(), "the state still restores with its options");
    }
  }

  @Test
  void aCheckpointWrittenStandsWhenOldFilesCannotBeRemoved(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(50);
    try (TeacherServer s = start(builder(pool, dir))) {
      picks(s, 0, 3); // the journal's first segment exists, so a restart can rebuild without checkpoints
    }
    // an "oldest checkpoint" that cannot be deleted (a directory with a file in it)
    Path stuck = dir.resolve("checkpoint-000000000000.bin");
    Files.createDirectories(stuck);
    Files.writeString(stuck.resolve("x"), "x");
    try (TeacherServer s = start(builder(pool, dir))) {
      for (int step = 1; step <= 2; step++) {
        picks(s, step, 3);
        String name = s.checkpoint(); // the second one prunes, and fails to remove the directory
        assertTrue(Files.isRegularFile(dir.resolve(name)), name);
      }
      assertEquals(2, metric(s, "goldilocks_checkpoints_total"));
    }
  }
}
