export { actorLogger, createLogger, InvalidLogLevel, Log, LOG_LEVELS, type Logger, type LoggerOptions, type LogLevel, logLevelFromEnv } from './logger.ts'
