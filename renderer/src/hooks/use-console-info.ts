import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';

export function useConsoleInfo() {
  return useQuery({ queryKey: queryKeys.info(), queryFn: () => consoleApi().console.getInfo() });
}
