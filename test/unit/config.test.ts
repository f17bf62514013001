import { describe, expect, it } from 'vitest';
import { dlqUrl, loadConfig, queueUrl } from '../../lib/config.ts';

describe('loadConfig', () => {
  it('reads the table and the queue URLs present', () => {
    const config = loadConfig({
      CAPSTAN_TABLE: 't',
      CAPSTAN_QUEUE_URL_DEPLOY: 'http://127.0.0.1:1/q/deploy.fifo',
      CAPSTAN_DLQ_URL_DEPLOY: 'http://127.0.0.1:1/q/deploy-dlq.fifo',
    });
    expect(config.tableName).toBe('t');
    expect(queueUrl(config, 'deploy')).toBe('http://127.0.0.1:1/q/deploy.fifo');
    expect(dlqUrl(config, 'deploy')).toBe('http://127.0.0.1:1/q/deploy-dlq.fifo');
    expect(() => queueUrl(config, 'rollout')).toThrow('CAPSTAN_QUEUE_URL_ROLLOUT is not set');
  });

  it('names what is missing or malformed', () => {
    expect(() => loadConfig({})).toThrow('CAPSTAN_TABLE is not set');
    expect(() => loadConfig({ CAPSTAN_TABLE: 't', CAPSTAN_QUEUE_URL_DEPLOY: 'not a url' })).toThrow(
      'invalid configuration',
    );
  });
});
