package ai.goldilocks.examples;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.server.TeacherServer;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code service-bench}: the teacher service under load over loopback. N client threads play the
 * ranks of a distributed trainer: per step every rank asks for the step's picks (the server answers
 * all alike), then the ranks post the rewards of the B groups, one request per group, and wait
 * for each other. Reports requests per second and latency percentiles per endpoint.
 */
@Command(name = "service-bench", mixinStandardHelpOptions = true,
    description = "Throughput and latency of the teacher service over loopback.")
final class ServiceBenchCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceBenchCommand.class);

  @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients (ranks) (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--seconds", defaultValue = "20", description = "Measured duration (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--batch", defaultValue = "64", description = "Questions per step, B (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--group-size", defaultValue = "8", description = "Rollouts per question, G (default: ${DEFAULT-VALUE}).")
  int groupSize;

  @Option(names = "--questions", defaultValue = "100000", description = "Pool size (default: ${DEFAULT-VALUE}).")
  int questions;

  @Option(names = "--no-journal", description = "Run without a state directory (nothing durable).")
  boolean noJournal;

  @Option(names = "--threads", description = "The server's HTTP worker threads (default: the server's default).")
  Integer serverThreads;

  @picocli.CommandLine.Mixin
  JsonOutput output = new JsonOutput();

  @Override
  public Integer call() throws Exception {
    List<Question> qs = new ArrayList<>(questions);
    for (int i = 0; i < questions; i++) {
      qs.add(new Question("q" + i, "Compute " + (i * 7919L % 100000) + " + " + (i % 997) + " and give the result."));
    }
    QuestionPool pool = QuestionPool.of(qs);
    Path state = noJournal ? null : Files.createTempDirectory("goldilocks-service-bench");
    Map<String, Object> out = new LinkedHashMap<>();
    TeacherServer.Builder builder = TeacherServer.builder().pool(pool).stateDir(state).groupSize(groupSize).candidates(16)
        .checkpointEvery(0);
    if (serverThreads != null) {
      builder.threads(serverThreads);
    }
    try (TeacherServer server = builder.start()) {
      server.awaitReady(5, TimeUnit.MINUTES);
      int port = server.port();
      long[][] pickLat = new long[clients][];
      long[][] rewardLat = new long[clients][];
      AtomicBoolean stop = new AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      long[] stepHolder = {0};
      Object stepLock = new Object();
      CyclicBarrier barrier = new CyclicBarrier(clients, () -> {
        synchronized (stepLock) {
          stepHolder[0]++;
        }
      });
      List<Thread> threads = new ArrayList<>();
      long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
      for (int c = 0; c < clients; c++) {
        final int rank = c;
        Thread t = new Thread(() -> {
          LongList pl = new LongList();
          KeepAliveClient http;
          try {
            http = new KeepAliveClient(port);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          LongList rl = new LongList();
          java.util.Random rnd = new java.util.Random(rank);
          try {
            while (true) {
              long step;
              synchronized (stepLock) {
                step = stepHolder[0];
              }
              boolean measured = System.nanoTime() > warmupEnd;
              long t0 = System.nanoTime();
              JsonObject picks = http.post("/v1/picks", "{\"step\": " + step + ", \"n\": " + batch + "}");
              sent.incrementAndGet();
              long t1 = System.nanoTime();
              if (measured) {
                pl.add(t1 - t0);
              }
              JsonArray arr = picks.getAsJsonArray("picks");
              for (int i = rank; i < arr.size(); i += clients) {
                JsonObject item = new JsonObject();
                item.addProperty("id", arr.get(i).getAsJsonObject().get("id").getAsString());
                JsonArray r = new JsonArray();
                for (int k = 0; k < groupSize; k++) {
                  r.add(rnd.nextBoolean() ? 1 : 0);
                }
                item.add("rewards", r);
                JsonArray results = new JsonArray();
                results.add(item);
                JsonObject body = new JsonObject();
                body.addProperty("step", step);
                body.add("results", results);
                long t2 = System.nanoTime();
                http.post("/v1/rewards", body.toString());
                sent.incrementAndGet();
                if (measured) {
                  rl.add(System.nanoTime() - t2);
                }
              }
              barrier.await();
              if (System.nanoTime() > end) {
                break;
              }
            }
          } catch (Exception e) {
            if (!stop.get()) {
              LOG.error("client {} failed", rank, e);
            }
            barrier.reset();
          }
          http.close();
          pickLat[rank] = pl.toArray();
          rewardLat[rank] = rl.toArray();
        }, "bench-client-" + c);
        threads.add(t);
      }
      for (Thread t : threads) {
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      stop.set(true);
      long[] p = concat(pickLat);
      long[] r = concat(rewardLat);
      double secs = seconds;
      out.put("clients", clients);
      out.put("batch", batch);
      out.put("groupSize", groupSize);
      out.put("candidates", 16);
      out.put("journal", !noJournal);
      out.put("serverThreads", serverThreads == null ? "default" : serverThreads);
      out.put("seconds", seconds);
      out.put("availableProcessors", Runtime.getRuntime().availableProcessors());
      out.put("requestsPerSecond", Json.round((p.length + r.length) / secs, 0));
      out.put("picksRequestsPerSecond", Json.round(p.length / secs, 0));
      out.put("rewardsRequestsPerSecond", Json.round(r.length / secs, 0));
      out.put("picks", latency(p));
      out.put("rewards", latency(r));
      long[] all = concat(new long[][] {p, r});
      out.put("all", latency(all));
      if (!noJournal) {
        // group commit's width: requests (warm-up included) per journal fsync, from the server's metrics
        double fsyncs = fsyncs(server.url());
        out.put("requestsPerFsync", fsyncs > 0 ? Json.round(sent.get() / fsyncs, 2) : null);
      }
      LOG.info("{} requests/s; p50 {} us, p99 {} us", out.get("requestsPerSecond"),
          ((Map<?, ?>) out.get("all")).get("p50Micros"), ((Map<?, ?>) out.get("all")).get("p99Micros"));
    } finally {
      if (state != null) {
        try (var files = Files.walk(state)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    output.print(out);
    return 0;
  }

  /**
   * A minimal blocking HTTP/1.1 client on one keep-alive connection with TCP_NODELAY, so that the
   * measurement is of the server, not of a client library's machinery (java.net.http costs several
   * times the server's own time per request on this machine).
   */
  private static final class KeepAliveClient implements AutoCloseable {
    private final java.net.Socket socket;
    private final java.io.BufferedInputStream in;
    private final java.io.OutputStream out;

    KeepAliveClient(int port) throws java.io.IOException {
      socket = new java.net.Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
      out = socket.getOutputStream();
    }

    JsonObject post(String path, String body) throws java.io.IOException {
      byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
          + b.length + "\r\n\r\n";
      byte[] h = head.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] req = Arrays.copyOf(h, h.length + b.length);
      System.arraycopy(b, 0, req, h.length, b.length);
      out.write(req);
      out.flush();
      String status = line();
      int length = -1;
      for (String l = line(); !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
          length = Integer.parseInt(l.substring(colon + 1).trim());
        }
      }
      if (length < 0) {
        throw new java.io.IOException("no Content-Length in the answer to " + path);
      }
      String text = new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
      if (!status.contains(" 200 ")) {
        throw new IllegalStateException(path + " answered " + status + ": " + text);
      }
      return JsonParser.parseString(text).getAsJsonObject();
    }

    private String line() throws java.io.IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      if (c == -1 && sb.length() == 0) {
        throw new java.io.EOFException("connection closed");
      }
      return sb.toString();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (java.io.IOException e) {
        // closing a loopback socket at the end of a run
      }
    }
  }

  /** The server's {@code goldilocks_journal_fsyncs_total}, or -1 if it does not report one. */
  private static double fsyncs(String url) throws Exception {
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    for (String line : r.body().split("\n")) {
      if (line.startsWith("goldilocks_journal_fsyncs_total ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    return -1;
  }

  private static Map<String, Object> latency(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", s.length);
    if (s.length > 0) {
      m.put("p50Micros", Json.round(s[s.length / 2] / 1e3, 1));
      m.put("p99Micros", Json.round(s[(int) Math.min(s.length - 1, Math.floor(s.length * 0.99))] / 1e3, 1));
      m.put("maxMicros", Json.round(s[s.length - 1] / 1e3, 1));
    }
    return m;
  }

  private static long[] concat(long[][] parts) {
    int n = 0;
    for (long[] p : parts) {
      n += p == null ? 0 : p.length;
    }
    long[] out = new long[n];
    int i = 0;
    for (long[] p : parts) {
      if (p != null) {
        System.arraycopy(p, 0, out, i, p.length);
        i += p.length;
      }
    }
    return out;
  }

  /** A growable list of longs. */
  private static final class LongList {
    private long[] a = new long[1024];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
