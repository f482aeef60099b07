import 'reflect-metadata';
import { IsArray, IsNotEmpty, IsString } from 'class-validator';

const JOB_ID = 'job_id must be a non-empty string';
const PIPELINE_IDS = 'pipeline_ids must be a list of pipeline ids';

/** POST /api/v1/jobs/pipelines: replaces the pipelines linked to a job (an empty list unlinks all). */
export class LinkPipelinesDto {
  @IsString({ message: JOB_ID })
  @IsNotEmpty({ message: JOB_ID })
  job_id!: string;

  @IsArray({ message: PIPELINE_IDS })
  @IsString({ each: true, message: PIPELINE_IDS })
  pipeline_ids!: string[];
}
