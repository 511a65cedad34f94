package io.runnel.cli.client;

import io.runnel.metadata.server.MetaProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The cluster id of a Runnel deployment on Kubernetes, kept in a ConfigMap: read it if the ConfigMap
 * exists, else generate one and create the ConfigMap. Run once per deployment by the manifest's Job
 * (deploy/kubernetes/runnel.yaml), from inside the cluster, with the pod's service account.
 *
 * <p>Race-safe: two runs that both find no ConfigMap both try to create it; Kubernetes accepts one
 * (201) and refuses the other (409 AlreadyExists), which then reads the winner's id. An existing id is
 * never replaced: it is stamped in every node's data directories.
 *
 * <p>In-cluster configuration, as Kubernetes provides it to a pod: the API server at
 * {@code https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT}; the token, namespace and CA
 * certificate in the service account directory ({@value #SERVICE_ACCOUNT_DIR}, or
 * {@code $RUNNEL_KUBERNETES_SERVICE_ACCOUNT_DIR}). Plain java.net.http; no client library.
 * Thread-safety: one call at a time (a command).
 */
public final class KubernetesClusterId {

    public static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String SERVICE_ACCOUNT_DIR_ENV = "RUNNEL_KUBERNETES_SERVICE_ACCOUNT_DIR";
    /** Bound on each API call; the Job retries the whole command (backoffLimit) when the API server is slow. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final URI apiServer;
    private final String token;
    private final String namespace;
    private final HttpClient http;

    private KubernetesClusterId(URI apiServer, String token, String namespace, HttpClient http) {
        this.apiServer = apiServer;
        this.token = token;
        this.namespace = namespace;
        this.http = http;
    }

    /** The in-cluster configuration from the environment; a missing piece is an error naming it. */
    public static KubernetesClusterId inCluster(Map<String, String> env) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.get("KUBERNETES_SERVICE_PORT");
        if (host == null || host.isBlank() || port == null || port.isBlank()) {
            throw new CommandFailedException("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: "
                    + "this command runs inside a Kubernetes pod (the manifest's cluster-id Job)");
        }
        Path accountDir = Path.of(env.getOrDefault(SERVICE_ACCOUNT_DIR_ENV, SERVICE_ACCOUNT_DIR));
        String token = read(accountDir.resolve("token")).strip();
        String namespace = read(accountDir.resolve("namespace")).strip();
        SSLContext tls = trusting(accountDir.resolve("ca.crt"));
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(CALL_TIMEOUT).build();
        return new KubernetesClusterId(URI.create("https://" + hostPart + ":" + port.strip()), token, namespace, http);
    }

    /**
     * The cluster id in ConfigMap {@code name} (key {@code key}) of this pod's namespace, creating the
     * ConfigMap with a new random id if there is none.
     */
    public String getOrCreate(String name, String key) {
        if (name.length() > 253 || !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new CommandFailedException("'" + name + "' is not a Kubernetes object name (lower-case letters, digits, '-' and '.', "
                    + "starting and ending with a letter or digit, at most 253 characters)");
        }
        if (key.length() > 253 || !key.matches("[-._a-zA-Z0-9]+")) {
            throw new CommandFailedException("'" + key + "' is not a ConfigMap key (letters, digits, '-', '_' and '.', at most 253 characters)");
        }
        String existing = read(name, key);
        if (existing != null) {
            return existing;
        }
        String clusterId = MetaProperties.randomClusterId();
        HttpResponse<String> created = call(HttpRequest.newBuilder(configMaps()).POST(HttpRequest.BodyPublishers.ofString(
                configMap(name, key, clusterId))).header("Content-Type", "application/json"));
        if (created.statusCode() == 201 || created.statusCode() == 200) {
            return clusterId;
        }
        if (created.statusCode() == 409) {
            // Another run created it between our read and our create: its id is the cluster's.
            String winner = read(name, key);
            if (winner != null) {
                return winner;
            }
        }
        throw failure("creating ConfigMap " + name, created);
    }

    /** The id in the ConfigMap, or null when the ConfigMap does not exist. */
    private String read(String name, String key) {
        HttpResponse<String> response = call(HttpRequest.newBuilder(configMaps().resolve(configMaps().getPath() + "/" + name)).GET());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw failure("reading ConfigMap " + name, response);
        }
        Json.Node configMap = Json.parse(response.body(), "ConfigMap " + name);
        Json.Node data = configMap.isObject() ? configMap.asObject().get("data") : null;
        Json.Node value = data != null && data.isObject() ? data.asObject().get(key) : null;
        if (value == null || !value.isString()) {
            throw new CommandFailedException("ConfigMap " + name + " in namespace " + namespace + " exists but has no string key "
                    + key + "; delete it only if no node was ever formatted with it, or set the key to the cluster id");
        }
        String clusterId = ((String) value.value()).strip();
        MetaProperties.validateClusterId(clusterId);
        return clusterId;
    }

    private URI configMaps() {
        return apiServer.resolve("/api/v1/namespaces/" + namespace + "/configmaps");
    }

    private static String configMap(String name, String key, String clusterId) {
        // Name and key were checked against Kubernetes' character sets, ids are [A-Za-z0-9_-]: nothing to escape.
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
                + "\",\"labels\":{\"app.kubernetes.io/part-of\":\"runnel\"}},\"data\":{\"" + key + "\":\"" + clusterId + "\"}}";
    }

    private HttpResponse<String> call(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(CALL_TIMEOUT).header("Authorization", "Bearer " + token)
                .header("Accept", "application/json").build();
        try {
            return http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CommandFailedException("the Kubernetes API server at " + apiServer + " did not answer " + built.method() + " "
                    + built.uri().getPath() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted while calling the Kubernetes API server");
        }
    }

    private CommandFailedException failure(String what, HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body();
        String hint = response.statusCode() == 403 ? " (does the Job's service account have the manifest's Role?)" : "";
        return new CommandFailedException(what + " in namespace " + namespace + " failed: HTTP " + response.statusCode() + hint
                + ": " + body.substring(0, Math.min(body.length(), 500)));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailedException("cannot read the pod's service account file " + file + ": " + e.getMessage());
        }
    }

    /** TLS trusting exactly the certificates in the service account's ca.crt (PEM). */
    private static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("kubernetes-ca-" + index++, certificate);
            }
            if (index == 0) {
                throw new CommandFailedException("no certificate in " + caFile);
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new CommandFailedException("cannot load the Kubernetes CA certificate " + caFile + ": " + e.getMessage());
        }
    }
}
