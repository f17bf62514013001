import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to 127.0.0.1. Its own ServerRunner has no bind option: DynamoDBProxyServer builds
 * a Jetty Server(port), whose one ServerConnector listens on every interface, so anyone who can reach
 * the machine could read or change the table. This builds the same server from the same command-line
 * arguments, sets that connector's host to 127.0.0.1 before it opens its socket, and starts it.
 *
 * Compiled by lib/local/components.ts against DynamoDB Local's jars into the cache; run with those jars
 * on the classpath and ServerRunner's own arguments (-port, -dbPath or -inMemory, -sharedDb, ...).
 */
public final class LoopbackDynamoDBLocal {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // The Jetty server is a private field with no accessor; on the classpath (no module boundary)
    // reflection may read it.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built a server without connectors");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("unexpected Jetty connector " + connector.getClass().getName());
      }
      ((ServerConnector) connector).setHost(HOST);
    }
    // safeStart, not start: start() prints a bind failure ("address in use") and carries on without a
    // server, so the process would hang unready instead of exiting with the reason.
    proxy.safeStart();
    System.err.println("DynamoDB Local listening on " + HOST + " only");
    proxy.join();
  }

  private LoopbackDynamoDBLocal() {}
}
