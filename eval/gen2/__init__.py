"""The second, independent case generator (see eval/generate2.py): reading a real judgment,
writing an indictment and a sentencing recommendation for it, injecting one labelled defect."""
