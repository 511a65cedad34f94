package io.runnel.cli.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The part of a Kubernetes API server the cluster-id Job talks to, over HTTPS as in a cluster: GET and
 * POST of ConfigMaps in one namespace, with a bearer token, answering 200/201/404/409 and 401 like the
 * real one. Its certificate is made with the JDK's keytool for 127.0.0.1 and handed to the Job as the
 * service account's ca.crt, with the token and namespace, in {@link #serviceAccountDir()}.
 *
 * <p>A stand-in for a third-party server, not for Runnel code. Thread-safe: one HTTP thread, a concurrent map.
 */
final class FakeKubernetesApi implements AutoCloseable {

    static final String NAMESPACE = "runnel";
    private static final String STORE_PASSWORD = "changeit";
    private static final Pattern NAME = Pattern.compile("\"metadata\"\\s*:\\s*\\{\\s*\"name\"\\s*:\\s*\"([^\"]+)\"");

    private final String token = UUID.randomUUID().toString();
    private final Path accountDir;
    private final HttpsServer server;
    private final Map<String, String> configMaps = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    FakeKubernetesApi(Path dir) throws Exception {
        this.accountDir = Files.createDirectories(dir.resolve("serviceaccount"));
        Path keyStore = dir.resolve("api.p12");
        keytool("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=kubernetes", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "api", "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD,
                "-file", accountDir.resolve("ca.crt").toString());
        Files.writeString(accountDir.resolve("token"), token + "\n");
        Files.writeString(accountDir.resolve("namespace"), NAMESPACE);

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, STORE_PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/api/v1/namespaces/", this::handle);
        server.start();
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** What a pod gets mounted at /var/run/secrets/kubernetes.io/serviceaccount. */
    Path serviceAccountDir() {
        return accountDir;
    }

    /** The environment Kubernetes gives a pod to find its API server. */
    Map<String, String> podEnvironment() {
        return Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", String.valueOf(port()));
    }

    /** "METHOD path status" of each call, in order. */
    List<String> calls() {
        return List.copyOf(calls);
    }

    /** A key of a stored ConfigMap, or null. */
    String configMapValue(String name, String key) {
        String body = configMaps.get(name);
        if (body == null) {
            return null;
        }
        Matcher value = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
        return value.find() ? value.group(1) : null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String prefix = "/api/v1/namespaces/" + NAMESPACE + "/configmaps";
            int status;
            String body;
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = statusBody(401, "Unauthorized", "no valid token");
            } else if (exchange.getRequestMethod().equals("GET") && path.startsWith(prefix + "/")) {
                String stored = configMaps.get(path.substring(prefix.length() + 1));
                status = stored == null ? 404 : 200;
                body = stored == null ? statusBody(404, "NotFound", "configmaps not found") : stored;
            } else if (exchange.getRequestMethod().equals("POST") && path.equals(prefix)) {
                String posted = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Matcher name = NAME.matcher(posted);
                if (!name.find()) {
                    status = 400;
                    body = statusBody(400, "BadRequest", "no metadata.name");
                } else if (configMaps.putIfAbsent(name.group(1), posted) == null) {
                    status = 201;
                    body = posted;
                } else {
                    status = 409;
                    body = statusBody(409, "AlreadyExists", "configmaps \"" + name.group(1) + "\" already exists");
                }
            } else {
                status = 404;
                body = statusBody(404, "NotFound", "no route " + path);
            }
            calls.add(exchange.getRequestMethod() + " " + path + " " + status);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static String statusBody(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + message + "\",\"reason\":\""
                + reason + "\",\"code\":" + code + "}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
