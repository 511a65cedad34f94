package io.runnel.cli.client;

import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Builds the configuration of an SDK producer or consumer from the command line. The SDK rejects
 * unknown keys, so a {@code --command-config} file (which may hold settings for several client
 * kinds, as in Kafka) contributes only the keys the client knows; keys given explicitly with
 * {@code --producer-property}/{@code --consumer-property} are passed as they are, so a typo fails
 * with the SDK's message naming it. Stateless.
 */
final class ClientProperties {

    private ClientProperties() {
    }

    /** File keys known to the client, then the tool's own settings, then the user's explicit ones (which win). */
    static Properties build(ClientOptions client, Set<String> knownNames, Map<String, String> toolSettings,
                            List<KeyValue> explicit) {
        Properties file = client.clientProperties();
        Properties result = new Properties();
        for (String name : file.stringPropertyNames()) {
            if (knownNames.contains(name)) {
                result.setProperty(name, file.getProperty(name));
            }
        }
        toolSettings.forEach(result::setProperty);
        KeyValue.toMap(explicit).forEach(result::setProperty);
        result.setProperty("bootstrap.servers", client.bootstrapServer());
        return result;
    }

    /** A failure as one short text: the Kafka error name and the server's message when there is one. */
    static String describe(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StatusRuntimeException) {
            cause = GrpcErrors.toApiException(cause);
        }
        if (cause instanceof ApiException api) {
            return api.code().name() + ": " + api.getMessage();
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
