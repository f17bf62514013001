/** One local cluster as tests see it: reachable by its kubeconfig, context = name. */
export interface InfraCluster {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly context: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
}

/**
 * What the integration run's global setup started once for every test file (test/harness/global-setup.ts),
 * read in tests with `inject('infra')`.
 */
export interface Infra {
  /** DynamoDB Local, http://127.0.0.1:<port> */
  readonly dynamodbEndpoint: string;
  /** ElasticMQ (SQS JSON protocol), http://127.0.0.1:<port> */
  readonly sqsEndpoint: string;
  readonly clusters: readonly InfraCluster[];
  /**
   * Loopback HTTP endpoint of the harness: `POST <controlUrl>/clusters/<name>/apiserver/stop` (or `/start`)
   * takes one cluster's control plane down or brings it back on the same address; 200 once done.
   * Use `stopApiServer` / `startApiServer` from ./control.ts.
   */
  readonly controlUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    infra: Infra;
  }
}
