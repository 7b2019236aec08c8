package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherServerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static QuestionPool pool(int n) {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      qs.add(new Question("q" + i, "What is " + (i * 37 % 1000) + " + " + (i % 97) + "?"));
    }
    return QuestionPool.of(qs);
  }

  record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }
  }

  static Reply post(String url, String path, String body, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r.headers());
  }

  static Reply get(String url, String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r.headers());
  }

  static TeacherServer start(QuestionPool pool, Path state, String token) throws Exception {
    TeacherServer s = TeacherServer.builder().pool(pool).stateDir(state).groupSize(4).seed(3).token(token)
        .checkpointEvery(0).maxBodyBytes(4096).start();
    s.awaitReady(60, TimeUnit.SECONDS);
    return s;
  }

  static List<String> ids(JsonObject picks) {
    List<String> out = new ArrayList<>();
    for (var e : picks.getAsJsonArray("picks")) {
      out.add(e.getAsJsonObject().get("id").getAsString());
    }
    return out;
  }

  static double metric(String url, String name, String token) throws Exception {
    for (String line : get(url, "/metrics", token).body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no metric " + name);
  }

  static String rewards(long step, String id, double[] r, int[] rollouts) {
    JsonObject item = new JsonObject();
    item.addProperty("id", id);
    JsonArray ra = new JsonArray();
    for (double x : r) {
      ra.add(x);
    }
    item.add("rewards", ra);
    if (rollouts != null) {
      JsonArray ro = new JsonArray();
      for (int x : rollouts) {
        ro.add(x);
      }
      item.add("rollouts", ro);
    }
    JsonArray results = new JsonArray();
    results.add(item);
    JsonObject body = new JsonObject();
    body.addProperty("step", step);
    body.add("results", results);
    return body.toString();
  }

  @Test
  void picksAreIdempotentPerStepAlsoAcrossARestart(@TempDir Path dir) throws Exception {
    QuestionPool pool = pool(500);
    List<List<String>> first = new ArrayList<>();
    try (TeacherServer s = start(pool, dir, null)) {
      for (int step = 0; step < 3; step++) {
        Reply a = post(s.url(), "/v1/picks", "{\"step\": " + step + ", \"n\": 8}", null);
        Reply b = post(s.url(), "/v1/picks", "{\"step\": " + step + ", \"n\": 8}", null);
        assertEquals(200, a.status, a.body);
        assertEquals(a.body, b.body, "two ranks asking for the same step get the same picks");
        first.add(ids(a.json()));
      }
      Reply conflict = post(s.url(), "/v1/picks", "{\"step\": 1, \"n\": 9}", null);
      assertEquals(409, conflict.status);
      assertTrue(conflict.body.contains("n = 8"), conflict.body);
    } // closed without a checkpoint: only the journal holds the picks
    try (TeacherServer s = start(pool, dir, null)) {
      for (int step = 0; step < 3; step++) {
        assertEquals(first.get(step), ids(post(s.url(), "/v1/picks", "{\"step\": " + step + ", \"n\": 8}", null).json()));
      }
      s.checkpoint();
      List<String> next = ids(post(s.url(), "/v1/picks", "{\"step\": 3, \"n\": 8}", null).json());
      assertEquals(8, next.size());
      assertNotEquals(first.get(2), next, "a new step draws afresh");
    }
    try (TeacherServer s = start(pool, dir, null)) { // checkpoint + journal
      assertEquals(first.get(1), ids(post(s.url(), "/v1/picks", "{\"step\": 1, \"n\": 8}", null).json()));
    }
  }

  @Test
  void groupsArriveInPartsAndDuplicatesAreNeverLearnedTwice(@TempDir Path dir) throws Exception {
    try (TeacherServer s = start(pool(200), dir, null)) {
      String url = s.url();
      List<String> picked = ids(post(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", null).json());
      String a = picked.get(0);
      // rank 0 sends rollouts 0-1, rank 1 sends 2-3: the group completes on the second part
      JsonObject r1 = post(url, "/v1/rewards", rewards(0, a, new double[] {1, 0}, new int[] {0, 1}), null).json();
      assertEquals(1, r1.get("accepted").getAsInt());
      assertEquals(0, r1.get("completed").getAsInt());
      JsonObject r2 = post(url, "/v1/rewards", rewards(0, a, new double[] {1, 1}, new int[] {2, 3}), null).json();
      assertEquals(1, r2.get("completed").getAsInt());
      // a client retry of a part, and of the whole group: duplicates
      JsonObject r3 = post(url, "/v1/rewards", rewards(0, a, new double[] {1, 0}, new int[] {0, 1}), null).json();
      assertEquals(1, r3.get("duplicate").getAsInt());
      assertEquals(0, r3.get("accepted").getAsInt());
      // a conflicting value for a rollout already received is rejected, naming it
      String b = picked.get(1);
      post(url, "/v1/rewards", rewards(0, b, new double[] {1}, new int[] {0}), null);
      JsonObject r4 = post(url, "/v1/rewards", rewards(0, b, new double[] {0}, new int[] {0}), null).json();
      assertEquals(1, r4.getAsJsonArray("rejected").size());
      assertTrue(r4.getAsJsonArray("rejected").get(0).getAsJsonObject().get("reason").getAsString().contains("rollout 0"));
      // a question not handed out at that step, and a NaN reward, are rejected per item
      JsonObject r5 = post(url, "/v1/rewards", "{\"step\": 0, \"results\": [{\"id\": \"q199\", \"rewards\": [1,0,1,0]},"
          + " {\"id\": \"" + b + "\", \"rewards\": [NaN], \"rollouts\": [1]}, {\"id\": \"nope\", \"rewards\": [1,1,1,1]}]}", null).json();
      assertEquals(3, r5.getAsJsonArray("rejected").size(), r5.toString());
      assertEquals(1, metric(url, "goldilocks_groups_completed_total", null));
      assertEquals(2, metric(url, "goldilocks_picks_total", null));
    }
  }

  @Test
  void badRequestsGetClearErrorsAndTheServerKeepsServing(@TempDir Path dir) throws Exception {
    String token = "s3cret-token";
    try (TeacherServer s = start(pool(100), dir, token)) {
      String url = s.url();
      assertEquals(200, get(url, "/health", null).status, "health needs no token");
      Reply noToken = post(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", null);
      assertEquals(401, noToken.status);
      assertTrue(noToken.headers.firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
      assertEquals(401, post(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", "wrong").status);
      assertEquals(401, get(url, "/metrics", null).status);
      Reply malformed = post(url, "/v1/picks", "{\"step\": 0, \"n\": ", token);
      assertEquals(400, malformed.status);
      assertEquals("bad_request", malformed.json().getAsJsonObject("error").get("type").getAsString());
      assertTrue(malformed.json().getAsJsonObject("error").get("message").getAsString().contains("malformed JSON"));
      assertEquals(400, post(url, "/v1/picks", "{\"step\": \"zero\", \"n\": 2}", token).status);
      assertEquals(422, post(url, "/v1/picks", "{\"step\": 0, \"n\": 0}", token).status);
      assertEquals(422, post(url, "/v1/picks", "{\"step\": -1, \"n\": 2}", token).status);
      Reply big = post(url, "/v1/rewards", "{\"step\": 0, \"results\": [" + "1,".repeat(5000) + "1]}", token);
      assertEquals(413, big.status);
      assertEquals(404, get(url, "/v2/nothing", token).status);
      assertEquals(405, get(url, "/v1/picks", token).status);
      assertEquals(200, post(url, "/v1/picks", "{\"step\": 0, \"n\": 2}", token).status, "still serving");
      assertEquals(200, get(url, "/ready", token).status);
    }
  }

  @Test
  void concurrentRanksGetExactCounts(@TempDir Path dir) throws Exception {
    try (TeacherServer s = start(pool(2000), dir, null)) {
      String url = s.url();
      int steps = 5;
      int n = 16;
      ExecutorService ranks = Executors.newFixedThreadPool(4);
      try {
        for (int step = 0; step < steps; step++) {
          final long st = step;
          // 4 ranks ask for the picks at once; each sends one rollout of every group, twice (a retry)
          List<Future<List<String>>> asked = new ArrayList<>();
          for (int r = 0; r < 4; r++) {
            asked.add(ranks.submit(() -> ids(post(url, "/v1/picks", "{\"step\": " + st + ", \"n\": " + n + "}", null).json())));
          }
          List<String> picks = asked.get(0).get();
          for (var f : asked) {
            assertEquals(picks, f.get());
          }
          List<Future<?>> sent = new ArrayList<>();
          for (int r = 0; r < 4; r++) {
            final int rank = r;
            sent.add(ranks.submit(() -> {
              for (int attempt = 0; attempt < 2; attempt++) {
                for (String id : picks) {
                  Reply rep = post(url, "/v1/rewards", rewards(st, id, new double[] {rank % 2}, new int[] {rank}), null);
                  assertEquals(200, rep.status, rep.body);
                }
              }
              return null;
            }));
          }
          for (var f : sent) {
            f.get();
          }
        }
      } finally {
        ranks.shutdown();
      }
      assertEquals(steps * n, metric(url, "goldilocks_groups_completed_total", null));
      assertEquals(steps * n * 4, metric(url, "goldilocks_feedback_total{status=\"accepted\"}", null));
      assertEquals(steps * n * 4, metric(url, "goldilocks_feedback_total{status=\"duplicate\"}", null));
      assertEquals(steps, metric(url, "goldilocks_pick_requests_total", null) / 4);
    }
  }

  /** A real process killed with SIGKILL: every acknowledged reward is still there after the restart. */
  @Test
  void killMinusNineLosesNothingAcknowledged(@TempDir Path dir) throws Exception {
    Path poolFile = dir.resolve("pool.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      rows.append("{\"id\": \"q").append(i).append("\", \"text\": \"What is ").append(i).append(" + 7?\"}\n");
    }
    rows.append("this line is not JSON\n");
    Files.writeString(poolFile, rows);
    Path state = dir.resolve("state");
    Process p = launch(poolFile, state);
    String url = awaitUrl(p);
    awaitReady(url);
    int acknowledged = 0;
    List<String> picks0;
    try {
      // the trainer names its run: the binding is on disk before this answer, so it survives the kill
      picks0 = ids(RunBindingTest.send(url, "/v1/picks", "{\"step\": 0, \"n\": 10}", "kill-run").json());
      for (String id : picks0) {
        Reply r = post(url, "/v1/rewards", rewards(0, id, new double[] {1, 0, 0, 1}, null), null);
        assertEquals(200, r.status);
        acknowledged += r.json().get("completed").getAsInt();
      }
      post(url, "/v1/checkpoint", "", null);
      List<String> picks1 = ids(post(url, "/v1/picks", "{\"step\": 1, \"n\": 10}", null).json());
      for (String id : picks1.subList(0, 7)) {
        acknowledged += post(url, "/v1/rewards", rewards(1, id, new double[] {0, 0, 1, 1}, null), null).json().get("completed").getAsInt();
      }
    } finally {
      p.destroyForcibly().waitFor();
    }
    assertEquals(17, acknowledged);
    Process q = launch(poolFile, state);
    try {
      String url2 = awaitUrl(q);
      awaitReady(url2);
      assertEquals(17, metric(url2, "goldilocks_groups_completed_total", null));
      assertEquals(picks0, ids(post(url2, "/v1/picks", "{\"step\": 0, \"n\": 10}", null).json()));
      JsonObject again = post(url2, "/v1/rewards", rewards(0, picks0.get(0), new double[] {1, 0, 0, 1}, null), null).json();
      assertEquals(1, again.get("duplicate").getAsInt(), "a retry after the restart is a duplicate");
      assertEquals(409, RunBindingTest.send(url2, "/v1/picks", "{\"step\": 2, \"n\": 10}", "another-run").status());
      assertEquals("kill-run", get(url2, "/ready", null).json().get("run").getAsString());
    } finally {
      q.destroy(); // SIGTERM: the server writes a checkpoint before it exits
      assertTrue(q.waitFor(60, TimeUnit.SECONDS), "the server exits on SIGTERM");
    }
    try (var files = Files.list(state)) {
      long seq = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("checkpoint-\\d{12}\\.bin"))
          .mapToLong(n -> Long.parseLong(n.substring(11, 23))).max().orElse(-1);
      // 2 picks records, 17 reward records and one duplicate that wrote nothing: sequence 19
      assertEquals(19, seq, "the SIGTERM checkpoint covers every journal record");
    }
  }

  private static Process launch(Path poolFile, Path state) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the module's own classes are on the module path when the tests run as a module; the child
    // runs everything from the class path, as `java -jar goldilocks-server.jar` does
    String modulePath = System.getProperty("jdk.module.path");
    String classPath = System.getProperty("java.class.path") + (modulePath == null || modulePath.isEmpty() ? ""
        : File.pathSeparator + modulePath);
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", classPath, ServerMain.class.getName(),
        "--pool", poolFile.toString(), "--state-dir", state.toString(), "--group-size", "4", "--port", "0");
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }

  private static String awaitUrl(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on (http://\\S+)");
    String line;
    while ((line = r.readLine()) != null) {
      Matcher m = listening.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new IOException("the server process ended without listening");
  }

  private static void awaitReady(String url) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (get(url, "/ready", null).status == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready");
  }
}
