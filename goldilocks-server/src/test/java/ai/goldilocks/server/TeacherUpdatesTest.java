package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.sampler.GoldilocksSampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --teacher-updates synchronous}: the teacher trains inside the reward post, so a run repeats exactly. */
class TeacherUpdatesTest {
  private static final int STEPS = 40;
  private static final int PICKS = 8;

  /** The rewards a fixed "student" earns on {@code id}: solved by rollouts below a per-question threshold. */
  private static double[] rewardsOf(String id, int step) {
    int k = Integer.parseInt(id.substring(1));
    int solved = (k * 7 + step / 10) % 5; // 0..4 of 4 rollouts, drifting slowly with the step
    double[] r = new double[4];
    for (int i = 0; i < 4; i++) {
      r[i] = i < solved ? 1 : 0;
    }
    return r;
  }

  /** Serves STEPS steps of PICKS picks with the student's rewards; returns every step's picked ids. */
  private static List<List<String>> run(Path dir, GoldilocksSampler.UpdateMode mode, double[] updatesAndLag) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(400);
    List<List<String>> picked = new ArrayList<>();
    try (TeacherServer s = DurabilityTest.start(DurabilityTest.builder(pool, dir).teacherUpdates(mode))) {
      for (int step = 0; step < STEPS; step++) {
        List<String> ids = TeacherServerTest.ids(DurabilityTest.picks(s, step, PICKS).json());
        picked.add(ids);
        for (String id : ids) {
          TeacherServerTest.Reply r = TeacherServerTest.post(s.url(), "/v1/rewards",
              TeacherServerTest.rewards(step, id, rewardsOf(id, step), null), null);
          assertEquals(200, r.status(), r.body());
        }
        if (mode == GoldilocksSampler.UpdateMode.SYNCHRONOUS) {
          // every update due has trained before the post that made it due was answered
          assertTrue(DurabilityTest.metric(s, "goldilocks_teacher_lag_samples") < 64,
              "step " + step + ": lag " + DurabilityTest.metric(s, "goldilocks_teacher_lag_samples"));
        }
      }
      updatesAndLag[0] = DurabilityTest.metric(s, "goldilocks_teacher_updates_total");
      updatesAndLag[1] = DurabilityTest.metric(s, "goldilocks_teacher_lag_samples");
    }
    return picked;
  }

  @Test
  void synchronousUpdatesGiveTheSamePicksForTheSameCalls(@TempDir Path a, @TempDir Path b) throws Exception {
    double[] first = new double[2];
    double[] second = new double[2];
    List<List<String>> one = run(a, GoldilocksSampler.UpdateMode.SYNCHRONOUS, first);
    List<List<String>> two = run(b, GoldilocksSampler.UpdateMode.SYNCHRONOUS, second);
    assertEquals(one, two);
    // 320 samples, an update every 64: five updates, all trained before their posts were answered
    assertEquals(5, first[0]);
    assertEquals(0, first[1]);
    assertEquals(first[0], second[0]);
  }

  @Test
  void asynchronousUpdatesServeTheSameRunAndTrainTheTeacher(@TempDir Path dir) throws Exception {
    double[] end = new double[2];
    List<List<String>> picked = run(dir, GoldilocksSampler.UpdateMode.ASYNCHRONOUS, end);
    assertEquals(STEPS, picked.size());
    for (List<String> ids : picked) {
      assertEquals(PICKS, ids.size());
      assertEquals(PICKS, ids.stream().distinct().count(), "a step's picks are distinct: " + ids);
    }
    // updates due may be merged while one trains, never lost: at least one ran, and what is untrained is at most
    // the samples since the last update started
    assertTrue(end[0] >= 1, "updates " + end[0]);
  }

  @Test
  void theOptionNamesItsTwoValues() {
    assertEquals(GoldilocksSampler.UpdateMode.SYNCHRONOUS, ServerMain.updateMode("synchronous"));
    assertEquals(GoldilocksSampler.UpdateMode.ASYNCHRONOUS, ServerMain.updateMode("asynchronous"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerMain.updateMode("sync"));
    assertTrue(e.getMessage().contains("--teacher-updates must be asynchronous or synchronous"), e.getMessage());
    assertThrows(NullPointerException.class, () -> TeacherServer.builder().teacherUpdates(null));
    assertEquals(GoldilocksSampler.Exploration.UNIFORM, ServerMain.exploration("uniform"));
    assertEquals(GoldilocksSampler.Exploration.PROPORTIONAL, ServerMain.exploration("proportional"));
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> ServerMain.exploration("greedy"));
    assertTrue(x.getMessage().contains("--exploration must be proportional or uniform"), x.getMessage());
  }

  @Test
  void theExplorationReachesTheServedSampler(@TempDir Path dir) throws Exception {
    QuestionPool pool = TeacherServerTest.pool(100);
    for (GoldilocksSampler.Exploration mode : GoldilocksSampler.Exploration.values()) {
      try (TeacherServer s = DurabilityTest.start(TeacherServer.builder().pool(pool).groupSize(4).exploration(mode))) {
        assertEquals(mode, ((GoldilocksSampler) s.servedSampler()).config().exploration());
      }
    }
  }
}
