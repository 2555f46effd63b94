<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>MyDigitsTab</name>
    <message numerus="yes">
        <source>%n digit(s) taught: {0}</source>
        <translation>
            <numerusform>%n digit taught: {0}</numerusform>
            <numerusform>%n digits taught: {0}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n damaged record(s) skipped)</source>
        <translation>
            <numerusform>(%n damaged record skipped)</numerusform>
            <numerusform>(%n damaged records skipped)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete %n taught digit(s) from My digits?</source>
        <translation>
            <numerusform>Delete %n taught digit from My digits?</numerusform>
            <numerusform>Delete %n taught digits from My digits?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message numerus="yes">
        <source>Delete %n run(s) and the model(s) they made?</source>
        <translation>
            <numerusform>Delete %n run and the model it made?</numerusform>
            <numerusform>Delete %n runs and the models they made?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StudyTab</name>
    <message numerus="yes">
        <source>Exported %n trial(s) to {0}</source>
        <translation>
            <numerusform>Exported %n trial to {0}</numerusform>
            <numerusform>Exported %n trials to {0}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrainingTab</name>
    <message numerus="yes">
        <source>the network from the Model tab is ready to train (%n layer(s))</source>
        <translation>
            <numerusform>the network from the Model tab is ready to train (%n layer)</numerusform>
            <numerusform>the network from the Model tab is ready to train (%n layers)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n step(s)</source>
        <translation>
            <numerusform>%n step</numerusform>
            <numerusform>%n steps</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n epoch(s)</source>
        <translation>
            <numerusform>%n epoch</numerusform>
            <numerusform>%n epochs</numerusform>
        </translation>
    </message>
</context>
</TS>
