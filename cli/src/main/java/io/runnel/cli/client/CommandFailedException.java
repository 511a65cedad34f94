package io.runnel.cli.client;

/**
 * A command ran but did not achieve what was asked (some records failed, too few consumed); its
 * message is the one line Main prints after {@code Error: }. Details went to stderr before it.
 */
public final class CommandFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CommandFailedException(String message) {
        super(message);
    }
}
